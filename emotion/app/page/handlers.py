"""What the page does with a photo: each handler receives the visitor's inputs and returns the components it
changes, keyed by component (Views); components left out keep what they show."""

import tempfile
import time
from pathlib import Path

import gradio as gr
from PIL import Image

from emotion.app.answers import REFUSALS, UPLOAD_EXPIRED, NothingUploaded, UploadExpired, user_error
from emotion.app.page.views import Views
from emotion.app.requestlog import log_request
from emotion.app.scratch import cache_folder
from emotion.app.table import table_row
from emotion.drawing import draw_faces
from emotion.errors import ImageTooLarge, too_large
from emotion.images import open_image
from emotion.limits import MAX_PHOTO_BYTES
from emotion.predictor import Predictor
from emotion.reliability import NO_FACE_DETECTED
from emotion.results import FACE_COLUMNS, FaceResult, csv_text, face_rows


def uploaded(upload: str | None, nothing: str) -> tuple[Path, int]:
    """An upload's path in Gradio's cache and its size; NothingUploaded (saying `nothing`) when none was chosen,
    UploadExpired once the cache sweep has removed it."""
    if not upload:
        raise NothingUploaded(nothing)
    try:
        return Path(upload), Path(upload).stat().st_size
    except FileNotFoundError:
        raise UploadExpired(UPLOAD_EXPIRED) from None


def page_error(problem: Exception, channel: str, size: int, started: float) -> gr.Error:
    """The notice for a refusal (emotion.app.answers), logged as one line, without a traceback."""
    error = user_error(problem)
    log_request(channel, size, str(error.status), started)
    return gr.Error(error.text, title=error.title, duration=10, print_exception=False)


def rounded(value, digits: int = 4):
    """Floats rounded for the page's JSON view (and its download): 0.7453, not 0.74530327320098877."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {key: rounded(item, digits) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(item, digits) for item in value]
    return value


def annotated_file(picture: Image.Image, upload: Path) -> str:
    """The annotated photo as a PNG named after the upload ("party-faces.png", what its download is called),
    written straight into Gradio's cache (so not copied again), which the sweep empties."""
    cache_folder().mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="emotion-photo-", dir=cache_folder()))
    path = folder / f"{upload.stem[:80]}-faces.png"
    picture.save(path, format="PNG", compress_level=1)  # fast: the file lives only until it is sent
    return str(path)


def face_choices(faces: list[FaceResult]) -> list[tuple[str, int]]:
    """The face picker's choices: what it shows ("#1 happy"), and the face's index in the answer."""
    return [(f"#{number} {face.label}", number - 1) for number, face in enumerate(faces, start=1)]


class PhotoHandlers:
    def __init__(self, predictor: Predictor, views: Views):
        self.predictor, self.views = predictor, views

    def analyse(self, photo: str | None, whole_image: bool = False) -> dict:
        """A photo's path in; the annotated photo, the first face's bars, the face picker, the table, a message
        and the faces (JSON, CSV, and the state the explanation switch redraws from) out."""
        views, started, size = self.views, time.perf_counter(), 0
        try:
            path, size = uploaded(photo, "Upload a photo or take a webcam snapshot first.")
            if size > MAX_PHOTO_BYTES:
                raise ImageTooLarge(too_large("photo", MAX_PHOTO_BYTES))
            image = open_image(path)
        except REFUSALS as problem:
            raise page_error(problem, "ui", size, started) from None
        faces = self.predictor.predict(image, whole_image=whole_image)
        log_request("ui", size, "ok", started, image.size, len(faces))
        if faces and whole_image and NO_FACE_DETECTED in faces[0].warnings:
            message = "**No face was detected in this picture**: the whole image was classified as if it were one."
        elif faces:
            plural = "face" if len(faces) == 1 else "faces"
            message = "Classified the whole image as one face." if whole_image else f"Found {len(faces)} {plural}."
        else:
            message = (
                "**No face found.** If the photo is already a cropped face, "
                "press *Classify the whole image as one face*."
            )
        choices = face_choices(faces)
        return {
            views.annotated: annotated_file(draw_faces(image, faces), path),
            views.scores: faces[0].scores if faces else None,
            views.picker: gr.Dropdown(choices=choices, value=0 if faces else None, visible=len(faces) > 1),
            views.table: [table_row(number, face) for number, face in enumerate(faces, start=1)],
            views.message: message,
            views.faces_json: rounded([face.to_dict() for face in faces]),
            views.whole_button: gr.Button(visible=not faces),
            views.last_result: (image, faces, path),
            views.faces_csv: csv_text(FACE_COLUMNS, face_rows(faces)),
        }

    def analyse_whole(self, photo: str | None) -> dict:
        return self.analyse(photo, whole_image=True)

    def show_explanation(self, explain: bool, result: tuple | None) -> dict:
        """The annotated photo with (explain on) or without what the model looked at laid over each face."""
        if not result:
            return {self.views.annotated: gr.skip()}
        image, faces, path = result
        heatmaps = [self.predictor.explain(image, face) for face in faces] if explain else None
        return {self.views.annotated: annotated_file(draw_faces(image, faces, heatmaps=heatmaps), path)}

    def explain_after_analysis(self, explain: bool, result: tuple | None) -> dict:
        """After a new analysis: lay the maps over it only if the switch is on (it is already drawn plain)."""
        return self.show_explanation(explain, result) if explain else {self.views.annotated: gr.skip()}

    def select_face(self, index: int | None, faces: list[dict] | None) -> dict:
        if index is None or not faces or not 0 <= index < len(faces):
            return {self.views.scores: None}
        return {self.views.scores: faces[index]["scores"]}

    def show_results_of(self, tab: str, webcam_mode: str) -> dict:
        """The photo results beside the Upload and Webcam tabs, the clip's beside the Video tab; the last photo's
        result is cleared, so that no tab shows another tab's faces. The explanation switch is offered only where
        there are photo results to explain (not in Live mode)."""
        views, live = self.views, tab == "webcam" and webcam_mode == "Live"
        return {
            views.photo_results: gr.Column(visible=tab != "video"),
            views.clip_results: gr.Column(visible=tab == "video"),
            views.explain: gr.Checkbox(visible=tab != "video" and not live),
            views.annotated: None,
            views.scores: gr.Label(value=None, show_heading=not live),
            views.picker: gr.Dropdown(choices=[], value=None, visible=False),
            views.table: [],
            views.message: "",
            views.faces_json: None,
            views.whole_button: gr.Button(visible=False),
            views.last_result: None,
            views.faces_csv: "",
        }

    def show_webcam_mode(self, mode: str) -> dict:
        """Snapshot shows the snapshot camera and the annotated photo; Live the live camera, its view, the face
        to follow and the timeline."""
        views, live = self.views, mode == "Live"
        return {
            views.webcam: gr.Image(visible=not live),
            views.webcam_button: gr.Button(visible=not live),
            views.annotated: gr.Image(visible=not live),
            views.live: gr.Image(visible=live),
            views.live_output: gr.HTML(visible=live),
            views.follow: gr.Dropdown(visible=live),
            views.live_timeline: gr.Column(visible=live),
            views.explain: gr.Checkbox(visible=not live),  # live frames get no map
            # no heading (the leading expression) in Live mode: it would flip with the bars on a hesitant face,
            # where the boxes and the table keep the steady label (emotion.tracking)
            views.scores: gr.Label(show_heading=not live),
        }
