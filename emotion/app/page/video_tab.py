"""The Video tab: a clip beside its results (the annotated clip, each person's timeline, the downloads)."""

import json
import time
from dataclasses import dataclass

import gradio as gr

from emotion.app.answers import REFUSALS, RESULT_EXPIRED
from emotion.app.jobs import LISTENERS
from emotion.app.page import settings
from emotion.app.page.components import clip_input, expression_legend, probability_frame, rounded, timeline_plot
from emotion.app.page.notices import page_error, unexpired, uploaded
from emotion.app.requestlog import log_request
from emotion.app.scratch import working_folder
from emotion.labels import CLASSES
from emotion.limits import CLIP_LIMITS_TEXT
from emotion.predictor import Predictor
from emotion.results import SAMPLE_COLUMNS, csv_text, sample_rows
from emotion.video import Abandoned, analyse_clip, check_clip


@dataclass
class ClipRecord:
    """One clip's result (ClipResult.to_dict()), for the clicks that follow it."""

    record: dict
    csv: str  # its samples as the CSV download (emotion.results.SAMPLE_COLUMNS)
    made: float  # time.monotonic() when it was analysed


def person_timeline(person_id: int | None, record: dict):
    """The chosen person's smoothed probabilities over the clip (a timeline's frame, with its gaps)."""
    person = next((face for face in record.get("faces", []) if face["id"] == person_id), None)
    moments = [
        (sample["time"], [sample["scores"][name] for name in CLASSES]) for sample in (person or {}).get("samples", [])
    ]
    return probability_frame(moments)


def video_tab(predictor: Predictor) -> None:
    """The tab, made and wired in the open Blocks; its "Analyse clip" is the API's `predict_video`."""
    with gr.Tab("Video"), gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            # A file input, not gr.Video: the browser need not play a clip for the server to read it (Chromium
            # without H.264 greets a phone's MP4 with "Video not playable"). No file_types: Gradio would refuse
            # another file with its own words; emotion.video says what is wrong.
            clip = clip_input(label="Clip", elem_id="clip-input")
            gr.Markdown(
                f"{CLIP_LIMITS_TEXT} A 60 s 720p clip takes about {settings.CLIP_SECONDS_PER_MINUTE} s on two CPU "
                "cores."
            )
            button = gr.Button("Analyse clip", variant="primary")
        with gr.Column(scale=1, min_width=300):
            # No label chip: on a phone it covered the clip's top and the labels of the faces there.
            annotated = gr.Video(
                label="Annotated clip", show_label=False, interactive=False, buttons=[], elem_id="clip-output"
            )
            message = gr.Markdown(label="Message", elem_id="clip-message")
            person = gr.Dropdown(  # any value taken: one that is no person's shows an empty chart
                label="Timeline of", visible=False, interactive=True, allow_custom_value=True, elem_id="clip-person"
            )
            with gr.Column(visible=False) as charts:
                timeline = timeline_plot(
                    label="Expression probabilities over the clip (smoothed)", elem_id="clip-timeline"
                )
                expression_legend("clip-legend")
            with gr.Row(visible=False) as downloads:
                clip_button = gr.Button("Download annotated clip", size="sm")
                csv_button = gr.Button("Download CSV", size="sm")
                json_button = gr.Button("Download JSON", size="sm")
            with gr.Accordion("Result data (JSON)", open=False):
                people = gr.JSON(label="People", elem_id="clip-json")
            csv = gr.Textbox(visible=False)  # the CSV the download button saves
        result = gr.State(None, time_to_live=settings.RESULT_SECONDS)
    events = ClipEvents(predictor)
    quiet = {"show_progress": "hidden", "api_visibility": "private"}
    analysis = button.click(events.check, inputs=clip, **quiet).success(
        events.analyse,
        inputs=clip,
        outputs=[annotated, people, message, result],
        api_name="predict_video",
        concurrency_limit=1,
        concurrency_id="video",
        show_progress_on=[annotated],
    )
    analysis.success(events.show, inputs=result, outputs=[person, timeline, charts, downloads, csv], **quiet)
    analysis.failure(lambda: None, outputs=annotated, queue=False, **quiet)  # no "Error" badge left on the clip
    person.input(events.show_person, inputs=[person, result], outputs=timeline, **quiet)
    expired = json.dumps(RESULT_EXPIRED.format(what="clip"))
    clip_button.click(
        None, inputs=message, outputs=message, js=f"(text) => window.emotionPage.downloadClip(text, {expired})"
    )
    json_button.click(None, inputs=people, js="(data) => window.emotionPage.downloadJson(data, 'clip-output')")
    csv_button.click(None, inputs=csv, js="(text) => window.emotionPage.downloadCsv(text, 'clip-output')")


class ClipEvents:
    def __init__(self, predictor: Predictor):
        self.predictor = predictor

    def check(self, clip: str | None) -> None:
        """The clip's quick refusals (nothing chosen, expired, size, header, a still picture) before the long
        analysis starts, so they come without a progress bar to replace."""
        started, size = time.perf_counter(), 0
        try:
            path, size = uploaded(clip, "Upload a clip first.")
            check_clip(path)
        except REFUSALS as problem:
            raise page_error(problem, "ui-video", size, started) from None

    def analyse(
        self,
        clip: str | None,
        request: gr.Request | None = None,  # the visitor's session (Gradio gives it); None: called directly
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's API)
    ):
        """Every person in the clip followed: the annotated clip, each person's samples (time, box, smoothed
        probabilities) and a message. The analysis stops if the visitor leaves the page meanwhile."""
        # A generator: its working folder goes only after its one answer, once Gradio has copied the clip.
        started, size = time.perf_counter(), 0
        with working_folder("emotion-clip-") as folder:
            try:
                path, size = uploaded(clip, "Upload a clip first.")
                annotated = folder / f"{path.stem[:80]}-annotated.webm"  # what its download is called
                result = analyse_clip(
                    self.predictor,
                    path,
                    annotated=annotated,
                    progress=lambda done: progress(done, desc="Analysing the clip"),
                    gone=lambda: request is not None and LISTENERS.gone(request.session_hash),
                )
            except REFUSALS as problem:
                raise page_error(problem, "ui-video", size, started) from None
            except Abandoned:
                log_request("ui-video", size, "499", started)
                return
            log_request("ui-video", size, "ok", started, None, len(result.faces))
            people = "person" if len(result.faces) == 1 else "people"
            message = (
                f"Followed {len(result.faces)} {people} through {result.duration:.1f} s "
                f"({result.sample_rate:g} frames a second analysed)."
                if result.faces
                else f"**No face found anywhere in the clip** ({result.duration:.1f} s)."
            )
            record = result.to_dict()
            yield (
                str(annotated) if annotated.is_file() else None,
                rounded(record),
                message,
                ClipRecord(record, csv_text(SAMPLE_COLUMNS, sample_rows(result)), time.monotonic()),
            )

    def show(self, result: ClipRecord) -> list:
        """The person picker and the first person's timeline; no chart, picker or downloads when nobody was found."""
        ids = [face["id"] for face in result.record["faces"]]
        first = ids[0] if ids else None
        return [
            gr.Dropdown(choices=[(f"Person #{number}", number) for number in ids], value=first, visible=bool(ids)),
            person_timeline(first, result.record) if ids else None,  # an empty chart would stay empty
            gr.Column(visible=bool(ids)),
            gr.Row(visible=bool(ids)),
            result.csv,
        ]

    def show_person(self, person_id: int | None, result: ClipRecord | None):
        return person_timeline(person_id, unexpired(result, "clip").record)
