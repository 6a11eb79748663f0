"""The Webcam tab: a Snapshot (a photo, with the Upload tab's kind of results, its own copy) or Live (a stream of
frames, each analysed and followed). Each mode owns its components; leaving the tab or the mode ends a live run on
the server, and its camera is turned off (the mode's components leave the page)."""

import base64
import io
import time

import gradio as gr
import numpy as np
from PIL import Image

from emotion.app.live import LiveSession
from emotion.app.page import settings
from emotion.app.page.components import LiveInput, PhotoInput, expression_legend, probability_frame, timeline_plot
from emotion.app.page.photo_results import photo_results, wire_photo
from emotion.app.page.settings import LIVE_INTERVAL, LIVE_STREAMS
from emotion.app.requestlog import log_request
from emotion.app.table import TABLE_HEADERS
from emotion.predictor import Predictor

SNAPSHOT, LIVE = "Snapshot", "Live"
# page.js presses these hidden buttons when the camera's Record or Stop is pressed.
START_ID, STOP_ID = "live-start", "live-stop"
STOP_CAMERA = "() => window.emotionPage.stopLive()"


def live_view(image: Image.Image) -> str:
    """The annotated frame as an inline JPEG: live frames are shown from memory, never written to disk."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img src="data:image/jpeg;base64,{data}" alt="Live view" style="width: 100%; height: auto">'


def webcam_tab(predictor: Predictor, tabs: gr.Tabs) -> None:
    """The tab, made and wired in the open Blocks; `tabs` tells it when another tab is chosen."""
    with gr.Tab("Webcam"):
        mode = gr.Radio([SNAPSHOT, LIVE], value=SNAPSHOT, show_label=False, elem_id="webcam-mode")
        with gr.Row(equal_height=False) as snapshot_mode:
            with gr.Column(scale=1, min_width=300):
                snapshot = PhotoInput(type="filepath", sources=["webcam"], label="Snapshot", elem_id="snapshot-input")
                button = gr.Button("Find faces", variant="primary")
            with gr.Column(scale=1, min_width=300):
                results = photo_results("snapshot")
        with gr.Row(equal_height=False, visible=False) as live_mode:
            with gr.Column(scale=1, min_width=300):
                # type="numpy": streamed frames are decoded in memory (by emotion.open_image), not saved to the cache.
                camera = LiveInput(
                    sources=["webcam"],
                    streaming=True,
                    type="numpy",
                    label=f"Live (updates while the camera runs, up to {settings.LIVE_SECONDS:.0f} s)",
                    elem_id="live-input",
                )
                start = gr.Button("start", visible="hidden", elem_id=START_ID)
                stop = gr.Button("stop", visible="hidden", elem_id=STOP_ID)
                at_limit = gr.Textbox(visible=False)  # changes when a run reaches its limit: the page stops the camera
            with gr.Column(scale=1, min_width=300):
                view = gr.HTML(elem_id="live-view")
                message = gr.Markdown(elem_id="live-message")
                # Any value: the choices change with every face that comes or goes.
                follow = gr.Dropdown(
                    label="Follow face", interactive=True, elem_id="live-follow", allow_custom_value=True
                )
                timeline = timeline_plot(
                    x_lim=[-30, 0],
                    elem_id="live-timeline",
                    label="The followed face over the last 30 seconds (smoothed)",
                )
                expression_legend("live-legend")
                # no heading (the leading expression): it would flip with the bars on a hesitant face, where the
                # boxes and the table keep the steady label (emotion.tracking)
                scores = gr.Label(
                    num_top_classes=7, label="Expression probabilities", show_heading=False, elem_id="live-scores"
                )
                table = gr.Dataframe(
                    headers=TABLE_HEADERS,
                    label="Faces in view",
                    interactive=False,
                    elem_id="live-table",
                    wrap=True,
                    column_widths=["14%", "29%", "31%", "26%"],
                )
        session = gr.State(None)
    wire_photo(predictor, snapshot, [button.click, snapshot.upload], results, None)
    live = LiveEvents(predictor)
    live_outputs = [view, message, follow, scores, table, timeline]
    quiet = {"show_progress": "hidden", "api_visibility": "private"}
    camera.stream(
        live.analyse,
        inputs=[camera, session],
        outputs=[*live_outputs, at_limit],
        stream_every=LIVE_INTERVAL,
        concurrency_limit=LIVE_STREAMS,
        concurrency_id="live",
        **quiet,
    )  # no pending fade over every streamed frame; no time_limit: Gradio only draws it as a bar, unexplained
    at_limit.change(None, js=STOP_CAMERA)
    start.click(live.start, inputs=session, outputs=[session, *live_outputs], queue=False, **quiet)
    stop.click(live.stop, inputs=session, outputs=message, queue=False, **quiet)
    follow.input(live.follow, inputs=[follow, session], queue=False, **quiet)
    shown = [snapshot_mode, live_mode, session, *live_outputs]
    mode.change(live.show_mode, inputs=[mode, session], outputs=shown, queue=False, **quiet)
    tabs.select(live.show_tab, inputs=[mode, session], outputs=shown, queue=False, **quiet)


def cleared() -> list:
    """The live outputs emptied: no frame, message, face, bars, rows or timeline of a run that has ended (the chart
    emptied with None: one given an empty frame drew no line of the frames that followed)."""
    return ["", "", gr.Dropdown(choices=[], value=None), None, [], None]


class LiveEvents:
    def __init__(self, predictor: Predictor):
        self.predictor = predictor

    def start(self, session: LiveSession | None) -> list:
        """Record pressed: a new run of LIVE_SECONDS from now."""
        if session is not None:
            session.running = False
        return [LiveSession(self.predictor.recognizer, time.monotonic()), *cleared()]

    def stop(self, session: LiveSession | None) -> str:
        """Stop pressed (by the visitor, or by the page at the time limit): frames still in flight are ignored."""
        if session is None:
            return gr.skip()
        session.running = False
        if session.at_limit:
            return gr.skip()  # the time limit's own message stays
        return f"Live view stopped. Record starts a new {settings.LIVE_SECONDS:.0f} s run."

    def follow(self, number: int | None, session: LiveSession | None) -> None:
        """The face the visitor chose, followed until another is chosen or it leaves the view."""
        if session is not None and isinstance(number, int):
            session.followed = number

    def analyse(self, frame: np.ndarray | None, session: LiveSession | None) -> list:
        """One frame of a running run: the annotated frame, the face picker (when its faces change), the followed
        face's bars, the table, a message and (once a second) the timeline. At the run's time limit: a notice, and
        the page stops the camera."""
        started, now = time.perf_counter(), time.monotonic()
        if frame is None or session is None or not session.running:
            return [gr.skip()] * 7
        if now - session.started >= settings.LIVE_SECONDS:
            session.running, session.at_limit = False, True
            detail = f"after {settings.LIVE_SECONDS:.0f} s, the limit of one run. Press Record to start again."
            gr.Info(f"Live view stopped: {detail}", duration=10)  # page.js heads it "Live view stopped"
            return [gr.skip(), f"Live view stopped {detail}", *[gr.skip()] * 4, str(session.started)]
        update = session.update(self.predictor, frame, now)
        log_request("live", frame.nbytes, "ok", started, (frame.shape[1], frame.shape[0]), len(update.choices))
        picker = gr.skip()
        if (update.choices, update.followed) != session.picker_shown:  # else a choice being made would be undone
            session.picker_shown = (update.choices, update.followed)
            picker = gr.Dropdown(choices=update.choices, value=update.followed)
        left = settings.LIVE_SECONDS - (now - session.started)
        return [
            live_view(update.picture),
            f"{update.message} Live view stops in {left:.0f} s.",
            picker,
            update.scores,
            update.rows,
            gr.skip() if update.timeline is None else probability_frame(update.timeline),
            gr.skip(),
        ]

    def show_mode(self, mode: str, session: LiveSession | None) -> list:
        """Snapshot or Live: the other mode's components leave the page (its camera off) and a live run ends."""
        return self.shown(mode == LIVE, mode == SNAPSHOT, session)

    def show_tab(self, mode: str, session: LiveSession | None, selected: gr.SelectData) -> list:
        """Another tab chosen: both modes leave the page (the camera off) and a live run ends; back on this tab, the
        chosen mode returns."""
        here = selected.value == "Webcam"
        return self.shown(here and mode == LIVE, here and mode == SNAPSHOT, session)

    @staticmethod
    def shown(live: bool, snapshot: bool, session: LiveSession | None) -> list:
        if session is not None:
            session.running = False
        return [gr.Row(visible=snapshot), gr.Row(visible=live), None, *cleared()]
