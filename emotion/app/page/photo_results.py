"""A photo's results as the Upload tab and the webcam's Snapshot each show them, each with its own copy: the boxed
photo, a message, the chosen face's bars, the faces table, the explanation switch and the downloads; and the
events that fill them from one analysis, kept in the visitor's gr.State for RESULT_SECONDS."""

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from PIL import Image

from emotion.app.answers import REFUSALS
from emotion.app.page import settings
from emotion.app.page.components import rounded
from emotion.app.page.notices import page_error, unexpired, uploaded
from emotion.app.requestlog import log_request
from emotion.app.scratch import cache_folder
from emotion.app.table import TABLE_HEADERS, table_row
from emotion.drawing import draw_faces
from emotion.errors import ImageTooLarge, too_large
from emotion.images import open_image
from emotion.limits import MAX_FACES, MAX_PHOTO_BYTES
from emotion.predictor import Predictor
from emotion.reliability import NO_FACE_DETECTED
from emotion.results import FACE_COLUMNS, FaceResult, csv_text, face_rows


@dataclass
class PhotoResult:
    """One analysis, for the clicks that follow it (a face chosen, the explanation switched)."""

    image: Image.Image
    faces: list[FaceResult]
    name: str  # the upload's name without its extension: the downloads are named after it
    made: float  # time.monotonic() when it was analysed

    def drawn(self, explain: bool = False, chosen: int | None = None, predictor: Predictor | None = None) -> str:
        """The annotated photo's file in Gradio's cache, named after the upload ("party-faces.png"), with what
        the model looked at laid over each face (`explain`) and the `chosen` face's box highlighted."""
        heatmaps = [predictor.explain(self.image, face) for face in self.faces] if explain else None
        picture = draw_faces(self.image, self.faces, heatmaps=heatmaps, highlight=chosen, to_display=True)
        cache_folder().mkdir(parents=True, exist_ok=True)
        path = Path(tempfile.mkdtemp(prefix="emotion-photo-", dir=cache_folder())) / f"{self.name}-faces.png"
        picture.save(path, format="PNG", compress_level=1)  # fast: the file lives only until it is sent
        return str(path)


def is_face(index, faces: list) -> bool:
    """Whether a picker's value names one of `faces` (a client may send any)."""
    return type(index) is int and 0 <= index < len(faces)


@dataclass
class PhotoResults:
    prefix: str  # the elem_ids' first word: "upload", "snapshot"
    annotated: gr.Image
    message: gr.Markdown
    whole_button: gr.Button
    picker: gr.Dropdown
    explain: gr.Checkbox
    scores: gr.Label
    table: gr.Dataframe
    faces_json: gr.JSON
    faces_csv: gr.Textbox
    result: gr.State


def photo_results(prefix: str) -> PhotoResults:
    """The result components, made in the open Blocks, with elem_ids "<prefix>-annotated", "<prefix>-scores"..."""
    # No label chip: it sat over the photo's top-left corner. Downloads are made in the browser (page.js) from what
    # it shows, so they work for as long as the page shows the result.
    annotated = gr.Image(
        label="Faces found",
        show_label=False,
        type="filepath",
        interactive=False,
        buttons=[],
        elem_id=f"{prefix}-annotated",
    )
    message = gr.Markdown(label="Message", elem_id=f"{prefix}-message")
    whole_button = gr.Button("Classify the whole image as one face", visible=False)
    # Any value is taken (the handlers ignore one that is not a face's): Gradio would log a traceback for the rest.
    picker = gr.Dropdown(
        label="Show the expressions of",
        visible=False,
        interactive=True,
        allow_custom_value=True,
        elem_id=f"{prefix}-picker",
    )
    explain = gr.Checkbox(label="Show what the model looked at", value=False, elem_id=f"{prefix}-explain")
    scores = gr.Label(num_top_classes=7, label="Expression probabilities", elem_id=f"{prefix}-scores")
    # Wrapped, with widths that add up to the column, so a phone shows every column without scrolling.
    table = gr.Dataframe(
        headers=TABLE_HEADERS,
        label="All faces (choose one to highlight it)",
        interactive=False,
        elem_id=f"{prefix}-table",
        wrap=True,
        column_widths=["14%", "29%", "31%", "26%"],
    )
    with gr.Accordion("Result data (JSON, CSV)", open=False):
        faces_json = gr.JSON(label="Faces", elem_id=f"{prefix}-json")
        faces_csv = gr.Textbox(visible=False)  # the CSV the download button saves
        with gr.Row():
            picture_button = gr.Button("Download picture", size="sm")
            json_button = gr.Button("Download JSON", size="sm")
            csv_button = gr.Button("Download CSV", size="sm")
    picture_button.click(None, js=f"() => window.emotionPage.downloadPicture('{prefix}-annotated')")
    json_button.click(
        None, inputs=faces_json, js=f"(faces) => window.emotionPage.downloadJson(faces, '{prefix}-annotated')"
    )
    csv_button.click(None, inputs=faces_csv, js=f"(text) => window.emotionPage.downloadCsv(text, '{prefix}-annotated')")
    result = gr.State(None, time_to_live=settings.RESULT_SECONDS)
    return PhotoResults(
        prefix, annotated, message, whole_button, picker, explain, scores, table, faces_json, faces_csv, result
    )


def found_message(faces: list[FaceResult], whole_image: bool) -> str:
    if faces and whole_image and NO_FACE_DETECTED in faces[0].warnings:
        return "**No face was detected in this picture**: the whole image was classified as if it were one."
    if faces and len(faces) >= MAX_FACES:
        return f"Found {len(faces)} faces: the largest {MAX_FACES} are analysed, and a crowd may hold more."
    if faces:
        plural = "face" if len(faces) == 1 else "faces"
        return "Classified the whole image as one face." if whole_image else f"Found {len(faces)} {plural}."
    return "**No face found.** If the photo is already a cropped face, classify the whole image as one face."


class PhotoAnalysis:
    """The events of one PhotoResults: a photo analysed into it, a face chosen, the explanation switched."""

    def __init__(self, predictor: Predictor, results: PhotoResults):
        self.predictor, self.results = predictor, results

    def analyse(self, photo: str | None, whole_image: bool = False) -> tuple[str, list[dict], str, PhotoResult]:
        """The photo's faces: the annotated photo, each face's box, probabilities and warnings, and a message."""
        started, size = time.perf_counter(), 0
        try:
            path, size = uploaded(photo, "Upload a photo or take a webcam snapshot first.")
            if size > MAX_PHOTO_BYTES:
                raise ImageTooLarge(too_large("photo", MAX_PHOTO_BYTES))
            image = open_image(path)
        except REFUSALS as problem:
            raise page_error(problem, "ui", size, started) from None
        faces = self.predictor.predict(image, whole_image=whole_image)
        log_request("ui", size, "ok", started, image.size, len(faces))
        result = PhotoResult(image, faces, path.stem[:80], time.monotonic())
        faces_json = rounded([face.to_dict() for face in faces])
        return result.drawn(), faces_json, found_message(faces, whole_image), result

    def analyse_whole(self, photo: str | None) -> tuple[str, list[dict], str, PhotoResult]:
        """The whole photo classified as one face (for a photo that is already a cropped face)."""
        return self.analyse(photo, whole_image=True)

    def show(self, result: PhotoResult, explain: bool) -> dict:
        """A new result's bars (its first face), face picker, table, CSV and whole-image button; the maps drawn
        over it when the switch is on."""
        results, faces = self.results, result.faces
        choices = [(f"#{number} {face.label}", number - 1) for number, face in enumerate(faces, start=1)]
        return {
            results.scores: faces[0].scores if faces else None,
            results.picker: gr.Dropdown(choices=choices, value=0 if faces else None, visible=len(faces) > 1),
            results.table: [table_row(number, face) for number, face in enumerate(faces, start=1)],
            results.whole_button: gr.Button(visible=not faces),
            results.faces_csv: csv_text(FACE_COLUMNS, face_rows(faces)),
            results.annotated: result.drawn(True, None, self.predictor) if explain and faces else gr.skip(),
        }

    def choose(self, index: int | None, result: PhotoResult | None, explain: bool) -> dict:
        """The chosen face's bars, its box highlighted."""
        result = unexpired(result, "photo")
        if not is_face(index, result.faces):
            return {self.results.scores: gr.skip()}
        return {
            self.results.scores: result.faces[index].scores,
            self.results.picker: index,
            self.results.annotated: result.drawn(explain, index, self.predictor),
        }

    def choose_row(self, result: PhotoResult | None, explain: bool, selected: gr.SelectData) -> dict:
        row = selected.index[0] if isinstance(selected.index, list) and selected.index else None
        return self.choose(row, result, explain)

    def explain(self, explain: bool, index: int | None, result: PhotoResult | None) -> dict:
        """The photo redrawn with (switch on) or without what the model looked at laid over each face."""
        result = unexpired(result, "photo")
        chosen = index if len(result.faces) > 1 and is_face(index, result.faces) else None
        return {self.results.annotated: result.drawn(explain, chosen, self.predictor)}


def wire_photo(
    predictor: Predictor, photo: gr.Image, triggers: list, results: PhotoResults, api_name: str | None
) -> None:
    """Analysis on each of `triggers` (an upload, a button; the first is the API's `api_name`, if any), then the
    result shown; a refused file is taken out of the input again. Choosing a face and switching the explanation."""
    analysis, r = PhotoAnalysis(predictor, results), results
    outputs = [r.annotated, r.faces_json, r.message, r.result]
    shown = [r.scores, r.picker, r.table, r.whole_button, r.faces_csv, r.annotated]
    # No progress overlay on a photo's outputs (well under a second): with one, Gradio puts a red "Error" badge on
    # every output when a user error is raised, instead of leaving the last result.
    quiet = {"show_progress": "hidden", "api_visibility": "private"}
    events = [
        (
            trigger(analysis.analyse, inputs=photo, outputs=outputs, show_progress="hidden", api_name=api_name)
            if index == 0 and api_name
            else trigger(analysis.analyse, inputs=photo, outputs=outputs, **quiet)
        )
        for index, trigger in enumerate(triggers)
    ]
    events.append(
        r.whole_button.click(
            analysis.analyse_whole,
            inputs=photo,
            outputs=outputs,
            show_progress="hidden",
            **({"api_name": f"{api_name}_whole_image"} if api_name else {"api_visibility": "private"}),
        )
    )
    for event in events:
        event.success(analysis.show, inputs=[r.result, r.explain], outputs=shown, **quiet).success(
            None, js=f"() => window.emotionPage.showResult('{r.prefix}-annotated')"
        )
        # not queued: it must not be refused a second time when the queue is full
        event.failure(lambda: None, outputs=photo, queue=False, **quiet)
    r.picker.input(
        analysis.choose, inputs=[r.picker, r.result, r.explain], outputs=[r.scores, r.picker, r.annotated], **quiet
    )
    r.table.select(
        analysis.choose_row, inputs=[r.result, r.explain], outputs=[r.scores, r.picker, r.annotated], **quiet
    )
    r.explain.input(analysis.explain, inputs=[r.explain, r.picker, r.result], outputs=r.annotated, **quiet).failure(
        lambda: False, outputs=r.explain, queue=False, **quiet
    )
