"""The Gradio app (and Hugging Face Space entry point): upload or webcam photo -> boxed faces -> expression bars.

`python app.py` serves the UI and the REST endpoint on 127.0.0.1:7860 (GRADIO_SERVER_NAME and
GRADIO_SERVER_PORT override it, as a Space does); `python app.py --share` asks for a public link.
EMOTION_MODEL points at another .keras model (the tests use a tiny one).
"""

import argparse
import base64
import csv
import io
import json
import logging
import os
import tempfile
import time
from pathlib import Path

import gradio as gr
import numpy as np
import pandas as pd
from PIL import Image

from emotion import CLASSES, ImageError, Predictor, draw_faces, open_image
from emotion.classifier import ASSETS
from emotion.drawing import COLOURS
from emotion.errors import NothingUploaded, UploadExpired, user_error
from emotion.images import ImageTooLarge
from emotion.live import LiveSession
from emotion.model_card import about_markdown
from emotion.requestlog import log_request
from emotion.rest import MAX_UPLOAD_BYTES, build_rest_router
from emotion.results import FaceResult
from emotion.table import TABLE_HEADERS, csv_text, table_row
from emotion.video import (
    CSV_HEADER,
    LIMITS_TEXT,
    MAX_VIDEO_BYTES,
    VIDEO_SUFFIXES,
    VideoError,
    analyse_clip,
    check_clip,
    check_video_file,
    csv_rows,
)

predictor = Predictor.load(os.environ.get("EMOTION_MODEL") or None)
# Different expressions, then a group (assets/README.md: sources and licences).
EXAMPLES = [str(ASSETS / "examples" / name) for name in ("happy_baby.jpg", "angry.jpg", "sad_baby.jpg", "neutral.jpg",
                                                          "surprised.jpg", "group.jpg", "astronaut.jpg")]
# Live webcam: a frame every LIVE_INTERVAL s (the pipeline takes ~35 ms a frame, so the queue keeps up),
# each stream stops after LIVE_SECONDS so one visitor cannot hold a slot, at most LIVE_STREAMS at once.
LIVE_INTERVAL = 0.1
LIVE_SECONDS = 60
LIVE_STREAMS = 4
# Gradio keeps every upload and every result image in its cache: sweep it every minute and delete what is
# older than two minutes (long enough for the browser to fetch results and for "classify the whole image").
CACHE_CLEANUP = (60, 120)
CLIP_SECONDS_PER_MINUTE = 20  # python -m bench.video, README "Video clips"
LIMITS = ("Frontal faces work best. FER2013 mixes posed and spontaneous expressions, 48x48 grayscale, mostly "
          "adults; the model reads a face's appearance, not what the person feels. Disgust is rare (1.8% of the "
          "FER+ votes on its training faces), so the model seldom says it.")


def photo_input(**options) -> gr.Image:
    """A gr.Image (type="filepath") that hands the uploaded file to `emotion.open_image` untouched.

    Gradio's own image preprocessing opens every upload with Pillow before our function runs, so a file
    that is not an image ended in Gradio's generic "Error" instead of our message. Here the server passes
    the cached file's path straight on. (Not a gr.Image subclass: Gradio writes a .pyi stub beside the
    module of every component class, which fails on a read-only file system.)
    """
    image = gr.Image(type="filepath", **options)
    gradio_preprocess = image.preprocess

    def preprocess(payload):
        if payload is not None and payload.path and not (payload.url or "").startswith("data:"):
            return str(payload.path)
        return gradio_preprocess(payload)

    image.preprocess = preprocess
    return image


def uploaded(upload: str | None, nothing: str) -> tuple[Path, int]:
    """An upload's path in Gradio's cache and its size; NothingUploaded (saying `nothing`) when none was chosen,
    UploadExpired once the cache sweep has removed it."""
    if not upload:
        raise NothingUploaded(nothing)
    try:
        return Path(upload), Path(upload).stat().st_size
    except FileNotFoundError:
        raise UploadExpired("This file is no longer on the server (uploads are deleted after a couple of "
                            "minutes); please upload it again.") from None


def page_error(problem: Exception, channel: str, size: int, started: float) -> gr.Error:
    """The notice for an ordinary user error (emotion.errors), logged as one line, without a traceback."""
    error = user_error(problem)
    log_request(channel, size, str(error.status), started)
    return gr.Error(error.text, title=error.title, duration=10, print_exception=False)


def clip_input(**options) -> gr.File:
    """A gr.File (a clip's path) whose preprocessing hands on the cached upload's path and nothing else.

    Gradio's own gr.File preprocessing opens an empty NamedTemporaryFile in its cache for every call and
    never closes, uses or deletes it (a 0-byte file and an open descriptor per clip, which the cache sweep
    does not know of). The clip's content is judged by emotion.video, not by its name.
    """
    component = gr.File(**options)

    def preprocess(payload):
        return str(payload.path) if payload is not None else None

    component.preprocess = preprocess
    return component


def face_choices(faces: list[dict]) -> list[str]:
    return [f"#{number} {face['label']}" for number, face in enumerate(faces, start=1)]


def analyse(photo: str | None, whole_image: bool = False):
    """Photo path in; annotated photo, the first face's scores, face picker, table, message, faces out."""
    started, size = time.perf_counter(), 0
    try:
        path, size = uploaded(photo, "Upload a photo or take a webcam snapshot first.")
        if size > MAX_UPLOAD_BYTES:
            raise ImageTooLarge(f"The photo is larger than the {MAX_UPLOAD_BYTES // (1024 * 1024)} MB limit.")
        image = open_image(path)
    except (NothingUploaded, UploadExpired, ImageError) as problem:
        raise page_error(problem, "ui", size, started) from None
    faces: list[FaceResult] = predictor.predict(image, whole_image=whole_image)
    log_request("ui", size, "ok", started, image.size, len(faces))
    records = [face.to_dict() for face in faces]
    rows = [table_row(number, face) for number, face in enumerate(faces, start=1)]
    if faces:
        plural = "face" if len(faces) == 1 else "faces"
        message = "Classified the whole image as one face." if whole_image else f"Found {len(faces)} {plural}."
    else:
        message = ("**No face found.** If the photo is already a cropped face, "
                   "press *Classify the whole image as one face*.")
    choices = face_choices(records)
    return (
        draw_faces(image, faces),
        records[0]["scores"] if records else None,
        gr.Dropdown(choices=choices, value=choices[0] if choices else None, visible=len(choices) > 1),
        rows,
        message,
        records,
        gr.Button(visible=not faces),
        (image, faces),
        csv_text(faces),
    )


def show_explanation(explain: bool, result: tuple | None):
    """The annotated photo with (explain on) or without what the model looked at laid over each face."""
    if not result:
        return gr.skip()
    image, faces = result
    heatmaps = [predictor.explain(image, face) for face in faces] if explain else None
    return draw_faces(image, faces, heatmaps=heatmaps)


def explain_after_analysis(explain: bool, result: tuple | None):
    """After a new analysis: lay the maps over it only if the switch is on (it is already drawn plain)."""
    return show_explanation(explain, result) if explain else gr.skip()


def analyse_whole(photo: str | None):
    return analyse(photo, whole_image=True)


# The result's download is made in the browser from the faces it already shows: no file on the server.
SAVE_IN_BROWSER = """(text, name, type) => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], {type}));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
}"""
# On a narrow screen the result is below the inputs: bring the picture into view once it is there.
SHOW_RESULT = """() => {
    if (window.innerWidth < 700) document.querySelector("#annotated")?.scrollIntoView({behavior: "smooth"});
}"""
CLOSE_NOTICES = "() => document.querySelectorAll('.toast-close').forEach((button) => button.click())"
DOWNLOAD_JSON = f"""(faces) => {{
    ({SAVE_IN_BROWSER})(JSON.stringify(faces || [], null, 2), "faces.json", "application/json");
}}"""
DOWNLOAD_CSV = f"""(text) => {{
    ({SAVE_IN_BROWSER})(text || "", "faces.csv", "text/csv");
}}"""


def live_view(image: Image.Image) -> str:
    """The annotated frame as an inline JPEG: live frames are shown from memory, never written to disk."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img src="data:image/jpeg;base64,{data}" alt="Live view" style="width: 100%; height: auto">'


def probability_frame(rows: list[tuple[float, str, float]]) -> pd.DataFrame:
    """(seconds, expression, probability) rows for a gr.LinePlot; a flat line at 0 when there are none."""
    columns = ["seconds", "expression", "probability"]
    return pd.DataFrame(rows or [(0.0, name, 0.0) for name in CLASSES], columns=columns)


def analyse_live(frame: np.ndarray | None, session: LiveSession | None, followed: str | None):
    """One live frame through emotion.live, shown: the annotated frame, the followed face's bars, the face
    picker, the table, a message and (once a second) the timeline."""
    if frame is None:
        return (gr.skip(),) * 7
    started = time.perf_counter()
    session = session or LiveSession()
    update = session.update(predictor, frame, followed, time.monotonic())
    log_request("live", frame.nbytes, "ok", started, (frame.shape[1], frame.shape[0]), len(update.choices))
    return (
        live_view(update.picture),
        update.scores,
        gr.Dropdown(choices=update.choices, value=update.followed, visible=True),
        update.rows,
        update.message,
        probability_frame(update.timeline) if update.timeline is not None else gr.skip(),
        session,
    )


def person_timeline(choice: str | None, clip: dict | None) -> pd.DataFrame:
    """The chosen person's smoothed probabilities over the clip, long format for gr.LinePlot."""
    person = next((face for face in (clip or {}).get("faces", []) if f"Person #{face['id']}" == choice), None)
    rows = [(sample["time"], name, sample["scores"][name]) for sample in (person or {}).get("samples", [])
            for name in CLASSES]
    return probability_frame(rows)


def analyse_video(clip: str | None, progress: gr.Progress = gr.Progress()):  # noqa: B008 (Gradio's progress API)
    """Clip path in; the annotated clip, the person picker, the first person's timeline, a message, the result
    and its CSV and JSON files out. A generator: its temporary folder (annotated clip, CSV, JSON) is removed
    only after its one answer, once Gradio has copied the files into its cache."""
    started, size = time.perf_counter(), 0
    with tempfile.TemporaryDirectory(prefix="emotion-clip-") as folder:
        annotated = Path(folder) / "annotated.webm"
        try:
            path, size = uploaded(clip, "Upload a clip first.")
            check_video_file(path)
            result = analyse_clip(predictor, path, annotated=annotated,
                                  progress=lambda done: progress(done, desc="Analysing the clip"))
        except (NothingUploaded, UploadExpired, VideoError) as problem:
            raise page_error(problem, "ui-video", size, started) from None
        log_request("ui-video", size, "ok", started, None, len(result.faces))
        record = result.to_dict()
        (Path(folder) / "faces.json").write_text(json.dumps(record, indent=2))
        with (Path(folder) / "faces.csv").open("w", newline="") as file:
            csv.writer(file).writerows([CSV_HEADER, *csv_rows(result)])
        choices = [f"Person #{person.id}" for person in result.faces]
        people = "person" if len(choices) == 1 else "people"
        message = (f"Followed {len(choices)} {people} through {result.duration:.1f} s "
                   f"({result.sample_rate:g} frames a second analysed)." if choices
                   else "**No face found anywhere in the clip.**")
        yield (
            str(annotated) if annotated.is_file() else None,
            gr.Dropdown(choices=choices, value=choices[0] if choices else None, visible=bool(choices)),
            person_timeline(choices[0] if choices else None, record),
            message,
            record,
            gr.DownloadButton(value=str(Path(folder) / "faces.csv"), visible=bool(choices)),
            gr.DownloadButton(value=str(Path(folder) / "faces.json"), visible=bool(choices)),
        )


def check_clip_upload(clip: str | None) -> None:
    """The clip's quick refusals (nothing chosen, expired, size, header) before the long analysis starts, so
    they come without a progress bar to replace."""
    started, size = time.perf_counter(), 0
    try:
        path, size = uploaded(clip, "Upload a clip first.")
        check_clip(path)
    except (NothingUploaded, UploadExpired, VideoError) as problem:
        raise page_error(problem, "ui-video", size, started) from None


def show_results_of(tab: str):
    """The photo results beside the Upload and Webcam tabs, the clip's beside the Video tab."""
    return gr.Column(visible=tab != "video"), gr.Column(visible=tab == "video")


def show_webcam_mode(mode: str):
    """Snapshot shows the snapshot camera and the annotated photo; Live the live camera, its view, the
    face to follow and the timeline."""
    live_mode = mode == "Live"
    snapshot = [gr.Image(visible=not live_mode), gr.Button(visible=not live_mode), gr.Image(visible=not live_mode)]
    live_parts = [gr.Image(visible=live_mode), gr.HTML(visible=live_mode), gr.Dropdown(visible=live_mode),
                  gr.Column(visible=live_mode)]
    return *snapshot, *live_parts


def select_face(choice: str | None, faces: list[dict]):
    if not choice or not faces:
        return None
    number = int(choice.split()[0].lstrip("#"))
    return faces[number - 1]["scores"]


# Each expression's colour in the timelines is its box's (emotion.drawing.COLOURS).
TIMELINE_COLOURS = {name: "#{:02x}{:02x}{:02x}".format(*COLOURS[name]) for name in CLASSES}


def timeline_plot(**settings) -> gr.LinePlot:
    """A timeline of the seven probabilities (probability_frame's columns) without Gradio's legend, which
    keeps to one row and loses its last entries on a phone; expression_legend, below it, wraps instead."""
    return gr.LinePlot(x="seconds", y="probability", color="expression", y_lim=[0, 1], color_map=TIMELINE_COLOURS,
                       colors_in_legend=[], **settings)


def expression_legend(elem_id: str) -> gr.HTML:
    items = "".join(f'<span style="--swatch: {colour}">{name}</span>' for name, colour in TIMELINE_COLOURS.items())
    return gr.HTML(f'<div class="expression-legend">{items}</div>', elem_id=elem_id)


# The timelines' legend: a ring in each expression's colour before its name, as many to a row as fit.
# On a phone, the faces table in a smaller font, so that "expression" and "probability" fit their columns whole;
# the About panel's figures table never breaks a word or a number ("accu-racy", "80.-5%"): its first column,
# the long descriptions, wraps between words instead.
CSS = """
#clip-legend, #timeline-legend { margin-top: calc(-1 * var(--layout-gap) + 4px); }
.expression-legend { display: flex; flex-wrap: wrap; justify-content: center; gap: 2px 14px; padding: 0 8px;
                     font-size: var(--text-sm); color: var(--body-text-color); }
.expression-legend span { white-space: nowrap; }
.expression-legend span::before { content: ""; display: inline-block; width: 8px; height: 8px; margin-right: 5px;
                                  border: 2px solid var(--swatch); border-radius: 50%; }
@media (max-width: 700px) {
  #faces-table th, #faces-table [role="gridcell"], #faces-table td { font-size: 12px; }
  #about-model th, #about-model td { font-size: 12px; padding: 6px; overflow-wrap: normal; word-break: normal;
                                    hyphens: none; }
  #about-model td:not(:first-child) { white-space: nowrap; }
}
"""


def build_demo(delete_cache: tuple[int, int] = CACHE_CLEANUP) -> gr.Blocks:
    # photo_input hands over the uploaded file as it is: emotion.open_image decodes it (EXIF, modes,
    # limits) exactly as the REST endpoint and CLI do.
    with gr.Blocks(title="Facial expression recognition", delete_cache=delete_cache) as demo:
        gr.Markdown("# Facial expression recognition\nUpload a photo, use your webcam (a snapshot or live) or "
                    "analyse a video clip: every face is boxed and scored for seven expressions (angry, disgust, "
                    "fear, happy, neutral, sad, surprise).")
        # The last analysed photo and its faces, for the explanation switch; dropped with the session or
        # after RESULT_SECONDS, like the cache's copies.
        last_result = gr.State(None, time_to_live=CACHE_CLEANUP[1])
        live_session = gr.State(None)  # the live stream's emotion.live.LiveSession, one per visitor
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300), gr.Tabs():
                with gr.Tab("Upload") as upload_tab:
                    upload = photo_input(sources=["upload", "clipboard"], label="Photo", elem_id="photo-input")
                    upload_button = gr.Button("Find faces", variant="primary")
                    gr.Examples(EXAMPLES, inputs=upload)
                with gr.Tab("Webcam") as webcam_tab:
                    webcam_mode = gr.Radio(["Snapshot", "Live"], value="Snapshot", show_label=False)
                    webcam = photo_input(sources=["webcam"], label="Snapshot")
                    webcam_button = gr.Button("Find faces", variant="primary")
                    # type="numpy": streamed frames are decoded in memory, not saved to the cache.
                    live = gr.Image(sources=["webcam"], streaming=True, type="numpy", visible=False,
                                    label=f"Live (updates while the camera runs, up to {LIVE_SECONDS} s)")
                with gr.Tab("Video") as video_tab:
                    # A file input, not gr.Video: the browser need not play a clip for the server to read it
                    # (Chromium without H.264 greets a phone's MP4 with "Video not playable").
                    clip = clip_input(label="Clip", file_types=list(VIDEO_SUFFIXES), elem_id="clip-input")
                    gr.Markdown(f"{LIMITS_TEXT} A 60 s 720p clip takes about {CLIP_SECONDS_PER_MINUTE} s "
                                "on two CPU cores.")
                    clip_button = gr.Button("Analyse clip", variant="primary")
            with gr.Column(scale=1, min_width=300, visible=False) as clip_results:
                clip_output = gr.Video(label="Annotated clip (boxes, numbers, labels)", interactive=False,
                                       elem_id="clip-output")
                clip_message = gr.Markdown()
                person = gr.Dropdown(label="Timeline of", visible=False, interactive=True, elem_id="person")
                clip_timeline = timeline_plot(label="Expression probabilities over the clip (smoothed)",
                                              elem_id="clip-timeline")
                expression_legend("clip-legend")
                with gr.Row():
                    clip_csv = gr.DownloadButton("Download CSV", visible=False, size="sm")
                    clip_json_file = gr.DownloadButton("Download JSON", visible=False, size="sm")
                with gr.Accordion("Result data (JSON)", open=False):
                    clip_json = gr.JSON(label="People", elem_id="clip-json")
            with gr.Column(scale=1, min_width=300) as photo_results:
                # No label chip: it sat over the photo's top-left corner, hiding the label of a face there.
                annotated = gr.Image(label="Faces found", show_label=False, type="pil", interactive=False,
                                     buttons=["download"],
                                 elem_id="annotated")
                live_output = gr.HTML(visible=False, elem_id="live-view")
                message = gr.Markdown()
                # Any value: the choices change with every frame, and the one the page sends back may be gone by then.
                follow = gr.Dropdown(label="Follow face", visible=False, interactive=True, elem_id="follow",
                                     allow_custom_value=True)
                with gr.Column(visible=False) as live_timeline:
                    timeline = timeline_plot(x_lim=[-30, 0], elem_id="timeline",
                                             label="The followed face over the last 30 seconds (smoothed)")
                    expression_legend("timeline-legend")
                whole_button = gr.Button("Classify the whole image as one face", visible=False)
                picker = gr.Dropdown(label="Show the expressions of", visible=False, interactive=True)
                explain = gr.Checkbox(label="Show what the model looked at", value=False, elem_id="explain")
                scores = gr.Label(num_top_classes=7, label="Expression probabilities", elem_id="scores")
                # Wrapped, with widths that add up to the column, so a phone shows every column without scrolling.
                table = gr.Dataframe(headers=TABLE_HEADERS, label="All faces", interactive=False, elem_id="faces-table",
                                     wrap=True, column_widths=["14%", "29%", "31%", "26%"])
                with gr.Accordion("Result data (JSON, CSV)", open=False):
                    faces_json = gr.JSON(label="Faces", elem_id="faces-json")
                    faces_csv = gr.Textbox(visible=False)  # emotion.table's CSV, for the download button
                    with gr.Row():
                        json_button = gr.Button("Download JSON", size="sm")
                        csv_button = gr.Button("Download CSV", size="sm")
        with gr.Accordion("About the model", open=False):
            gr.Markdown(about_markdown(predictor.model_card, predictor.served_head, LIMITS), elem_id="about-model")
            if (ASSETS / "confusion_matrix_ferplus.png").is_file():
                gr.Image(str(ASSETS / "confusion_matrix_ferplus.png"),
                         label="PrivateTest confusion matrix, FER+ labels",
                         interactive=False, show_label=True)

        outputs = [annotated, scores, picker, table, message, faces_json, whole_button, last_result, faces_csv]
        # No progress overlay on a photo's outputs (it takes well under a second): with one, Gradio puts a red
        # "Error" badge on every output when a user error is raised, instead of leaving the last result.
        photo_event = {"outputs": outputs, "show_progress": "hidden"}
        for trigger in (upload_button.click, upload.upload, webcam_button.click, webcam.upload, whole_button.click,
                        clip_button.click):
            trigger(None, js=CLOSE_NOTICES)  # an earlier error's notice does not linger over a new result
        for analysis, photo in (
            (upload_button.click(analyse, inputs=upload, api_name="predict", **photo_event), upload),
            (upload.upload(analyse, inputs=upload, api_visibility="private", **photo_event), upload),
            (webcam_button.click(analyse, inputs=webcam, api_name="predict_webcam", **photo_event), webcam),
            (webcam.upload(analyse, inputs=webcam, api_visibility="private", **photo_event), webcam),
            (whole_button.click(analyse_whole, inputs=upload, api_name="predict_whole_image", **photo_event), upload),
        ):
            analysis.success(explain_after_analysis, inputs=[explain, last_result], outputs=annotated,
                             show_progress="hidden", api_visibility="private").success(None, js=SHOW_RESULT)
            # A file that could not be read is taken out of the input again, not left as a broken picture.
            analysis.failure(lambda: None, outputs=photo, show_progress="hidden", api_visibility="private",
                             queue=False)  # not queued: it must not be refused a second time when the queue is full
        explain.change(show_explanation, inputs=[explain, last_result], outputs=annotated, api_visibility="private")
        json_button.click(None, inputs=faces_json, js=DOWNLOAD_JSON)
        csv_button.click(None, inputs=faces_csv, js=DOWNLOAD_CSV)
        live.stream(analyse_live, inputs=[live, live_session, follow], api_name="predict_live",
                    outputs=[live_output, scores, follow, table, message, timeline, live_session],
                    stream_every=LIVE_INTERVAL, time_limit=LIVE_SECONDS, concurrency_limit=LIVE_STREAMS,
                    concurrency_id="live", show_progress="hidden")  # no pending fade over every streamed frame
        webcam_mode.change(show_webcam_mode, inputs=webcam_mode,
                           outputs=[webcam, webcam_button, annotated, live, live_output, follow, live_timeline],
                           api_visibility="private")
        picker.change(select_face, inputs=[picker, faces_json], outputs=scores, api_visibility="private")
        clip_button.click(check_clip_upload, inputs=clip, show_progress="hidden", api_visibility="private").success(
            analyse_video, inputs=clip, outputs=[clip_output, person, clip_timeline, clip_message, clip_json, clip_csv,
                                                 clip_json_file],
            api_name="predict_video", concurrency_limit=1, concurrency_id="video", show_progress_on=[clip_output])
        person.change(person_timeline, inputs=[person, clip_json], outputs=clip_timeline, api_visibility="private")
        for tab, name in ((upload_tab, "photo"), (webcam_tab, "photo"), (video_tab, "video")):
            tab.select(lambda name=name: show_results_of(name), outputs=[photo_results, clip_results],
                       api_visibility="private")
    demo.queue(default_concurrency_limit=2, max_size=32)
    return demo


demo = build_demo()


def serve(share: bool = False, server_port: int | None = None, prevent_thread_lock: bool = False,
          blocks: gr.Blocks | None = None):
    """Launch the UI (`demo` unless `blocks` is given) with the REST routes on the same server;
    returns what gradio's launch returns."""
    return (blocks or demo).launch(
        share=share,
        server_port=server_port,
        prevent_thread_lock=prevent_thread_lock,
        max_file_size=MAX_VIDEO_BYTES,  # photos are held to MAX_UPLOAD_BYTES in analyse
        run_history=False,
        allowed_paths=[],
        show_error=False,
        css=CSS,
        app_kwargs={"routes": build_rest_router(predictor).routes},
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Serve the facial-expression demo.")
    parser.add_argument("--share", action="store_true", help="ask Gradio for a temporary public link")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # Gradio's own start-up checks, a line per request
    serve(share=parser.parse_args().share)
