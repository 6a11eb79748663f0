"""What the page does with the live webcam and with a clip; like handlers.py, each returns the components it
changes, keyed by component."""

import base64
import io
import json
import tempfile
import time
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

from emotion.app.answers import REFUSALS
from emotion.app.live import LiveSession
from emotion.app.page.components import probability_frame
from emotion.app.page.handlers import page_error, rounded, uploaded
from emotion.app.page.settings import LIVE_RESTART_GAP, LIVE_SECONDS
from emotion.app.page.views import Views
from emotion.app.requestlog import log_request
from emotion.app.scratch import scratch_folder
from emotion.labels import CLASSES
from emotion.predictor import Predictor
from emotion.results import SAMPLE_COLUMNS, csv_text, sample_rows
from emotion.video import analyse_clip, check_clip


def live_view(image: Image.Image) -> str:
    """The annotated frame as an inline JPEG: live frames are shown from memory, never written to disk."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img src="data:image/jpeg;base64,{data}" alt="Live view" style="width: 100%; height: auto">'


def person_timeline(person_id: int | None, clip: dict | None):
    """The chosen person's smoothed probabilities over the clip, long format for the timeline."""
    person = next((face for face in (clip or {}).get("faces", []) if face["id"] == person_id), None)
    rows = [
        (sample["time"], name, sample["scores"][name])
        for sample in (person or {}).get("samples", [])
        for name in CLASSES
    ]
    return probability_frame(rows)


class StreamHandlers:
    def __init__(self, predictor: Predictor, views: Views):
        self.predictor, self.views = predictor, views
        self.live_seconds = LIVE_SECONDS  # how long one live run lasts

    def analyse_live(self, frame: np.ndarray | None, session: LiveSession | None, followed: int | None) -> dict:
        """One live frame through emotion.app.live, shown: the annotated frame, the followed face's bars, the face
        picker, the table, a message and (once a second) the timeline. At the run's time limit: a notice, and the
        page stops the camera's stream; frames that still come are ignored until Record starts a new run."""
        views, started, now = self.views, time.perf_counter(), time.monotonic()
        if frame is None:
            return {views.live_output: gr.skip()}
        if session is None or (session.ended and now - session.last_frame > LIVE_RESTART_GAP):
            session = LiveSession(self.predictor.recognizer, now)
        session.last_frame = now
        if session.ended:
            return {views.live_session: session}
        if now - session.started >= self.live_seconds:
            session.ended = True
            detail = f"after {self.live_seconds:.0f} s, the limit of one run. Press Record to start again."
            gr.Info(f"Live view stopped: {detail}", duration=10)  # page.js heads it "Live view stopped"
            return {
                views.message: f"Live view stopped {detail}",
                views.live_session: session,
                views.live_stopped: str(session.started),
            }
        update = session.update(self.predictor, frame, followed, now)
        log_request("live", frame.nbytes, "ok", started, (frame.shape[1], frame.shape[0]), len(update.choices))
        changed = {
            views.live_output: live_view(update.picture),
            views.scores: update.scores,
            views.follow: gr.Dropdown(choices=update.choices, value=update.followed, visible=True),
            views.table: update.rows,
            views.message: f"{update.message} Live view stops in {self.live_seconds - (now - session.started):.0f} s.",
            views.live_session: session,
        }
        if update.timeline is not None:
            changed[views.timeline] = probability_frame(update.timeline)
        return changed

    def show_person(self, person_id: int | None, clip: dict | None) -> dict:
        return {self.views.clip_timeline: person_timeline(person_id, clip)}

    def check_clip_upload(self, clip: str | None) -> None:
        """The clip's quick refusals (nothing chosen, expired, size, header) before the long analysis starts, so
        they come without a progress bar to replace."""
        started, size = time.perf_counter(), 0
        try:
            path, size = uploaded(clip, "Upload a clip first.")
            check_clip(path)
        except REFUSALS as problem:
            raise page_error(problem, "ui-video", size, started) from None

    def analyse_video(self, clip: str | None, progress: gr.Progress = gr.Progress()):  # noqa: B008 (Gradio's API)
        """A clip's path in; the annotated clip, the person picker, the first person's timeline, a message, the
        result and its CSV and JSON files out. A generator: its temporary folder (annotated clip, CSV, JSON) is
        removed only after its one answer, once Gradio has copied the files into its cache."""
        views, started, size = self.views, time.perf_counter(), 0
        with tempfile.TemporaryDirectory(prefix="emotion-clip-", dir=scratch_folder()) as folder:
            try:
                path, size = uploaded(clip, "Upload a clip first.")
                name = path.stem[:80]  # what the downloads are named after: "interview-annotated.webm"
                annotated = Path(folder) / f"{name}-annotated.webm"
                result = analyse_clip(
                    self.predictor,
                    path,
                    annotated=annotated,
                    progress=lambda done: progress(done, desc="Analysing the clip"),
                )
            except REFUSALS as problem:
                raise page_error(problem, "ui-video", size, started) from None
            log_request("ui-video", size, "ok", started, None, len(result.faces))
            record = result.to_dict()
            json_file, csv_file = Path(folder) / f"{name}-people.json", Path(folder) / f"{name}-people.csv"
            json_file.write_text(json.dumps(record, indent=2))
            csv_file.write_text(csv_text(SAMPLE_COLUMNS, sample_rows(result)))
            choices = [(f"Person #{person.id}", person.id) for person in result.faces]
            first = choices[0][1] if choices else None
            people = "person" if len(choices) == 1 else "people"
            message = (
                f"Followed {len(choices)} {people} through {result.duration:.1f} s "
                f"({result.sample_rate:g} frames a second analysed)."
                if choices
                else "**No face found anywhere in the clip.**"
            )
            yield {
                views.clip_output: str(annotated) if annotated.is_file() else None,
                views.person: gr.Dropdown(choices=choices, value=first, visible=bool(choices)),
                views.clip_timeline: person_timeline(first, record),
                views.clip_message: message,
                views.clip_json: rounded(record),
                views.clip_csv: gr.DownloadButton(value=str(csv_file), visible=bool(choices)),
                views.clip_json_file: gr.DownloadButton(value=str(json_file), visible=bool(choices)),
            }
