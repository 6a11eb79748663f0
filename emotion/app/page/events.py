"""What each click, upload, stream and change on the page runs: the handlers wired to their components."""

from emotion.app.page.handlers import PhotoHandlers
from emotion.app.page.settings import LIVE_INTERVAL, LIVE_STREAMS
from emotion.app.page.stream_handlers import StreamHandlers
from emotion.app.page.views import Views

# The page's own JavaScript (page.js, loaded with the page) for what only the browser can do.
CLOSE_NOTICES = "() => window.emotionPage.closeNotices()"
SHOW_RESULT = "() => window.emotionPage.showResult()"
DOWNLOAD_JSON = "(faces) => window.emotionPage.downloadJson(faces)"
DOWNLOAD_CSV = "(text) => window.emotionPage.downloadCsv(text)"
STOP_LIVE = "() => window.emotionPage.stopLive()"


def wire(views: Views, photo: PhotoHandlers, stream: StreamHandlers) -> None:
    v = views
    photo_outputs = [
        v.annotated,
        v.scores,
        v.picker,
        v.table,
        v.message,
        v.faces_json,
        v.whole_button,
        v.last_result,
        v.faces_csv,
    ]
    # No progress overlay on a photo's outputs (it takes well under a second): with one, Gradio puts a red
    # "Error" badge on every output when a user error is raised, instead of leaving the last result.
    photo_event = {"outputs": photo_outputs, "show_progress": "hidden"}
    for trigger in (
        v.upload_button.click,
        v.upload.upload,
        v.webcam_button.click,
        v.webcam.upload,
        v.whole_button.click,
        v.clip_button.click,
    ):
        trigger(None, js=CLOSE_NOTICES)
    for analysis, source in (
        (v.upload_button.click(photo.analyse, inputs=v.upload, api_name="predict", **photo_event), v.upload),
        (v.upload.upload(photo.analyse, inputs=v.upload, api_visibility="private", **photo_event), v.upload),
        (v.webcam_button.click(photo.analyse, inputs=v.webcam, api_name="predict_webcam", **photo_event), v.webcam),
        (v.webcam.upload(photo.analyse, inputs=v.webcam, api_visibility="private", **photo_event), v.webcam),
        (
            v.whole_button.click(photo.analyse_whole, inputs=v.upload, api_name="predict_whole_image", **photo_event),
            v.upload,
        ),
        # An example is analysed as soon as it is clicked, as an upload is.
        (
            v.examples.load_input_event.then(photo.analyse, inputs=v.upload, api_visibility="private", **photo_event),
            v.upload,
        ),
    ):
        analysis.success(
            photo.explain_after_analysis,
            inputs=[v.explain, v.last_result],
            outputs=v.annotated,
            show_progress="hidden",
            api_visibility="private",
        ).success(None, js=SHOW_RESULT)
        # A file that could not be read is taken out of the input again, not left as a broken picture.
        analysis.failure(
            lambda: None, outputs=source, show_progress="hidden", api_visibility="private", queue=False
        )  # not queued: it must not be refused a second time when the queue is full
    v.explain.change(
        photo.show_explanation, inputs=[v.explain, v.last_result], outputs=v.annotated, api_visibility="private"
    )
    v.json_button.click(None, inputs=v.faces_json, js=DOWNLOAD_JSON)
    v.csv_button.click(None, inputs=v.faces_csv, js=DOWNLOAD_CSV)
    v.live.stream(
        stream.analyse_live,
        inputs=[v.live, v.live_session, v.follow],
        api_name="predict_live",
        outputs=[v.live_output, v.scores, v.follow, v.table, v.message, v.timeline, v.live_session, v.live_stopped],
        stream_every=LIVE_INTERVAL,
        concurrency_limit=LIVE_STREAMS,
        concurrency_id="live",
        show_progress="hidden",
    )  # no pending fade over every streamed frame; no time_limit: Gradio only draws it as a bar, unexplained
    v.live_stopped.change(None, js=STOP_LIVE)
    v.webcam_mode.change(
        photo.show_webcam_mode,
        inputs=v.webcam_mode,
        outputs=[
            *(v.webcam, v.webcam_button, v.annotated, v.live, v.live_output, v.follow, v.live_timeline, v.explain),
            v.scores,
        ],
        api_visibility="private",
    )
    v.picker.change(photo.select_face, inputs=[v.picker, v.faces_json], outputs=v.scores, api_visibility="private")
    v.clip_button.click(
        stream.check_clip_upload, inputs=v.clip, show_progress="hidden", api_visibility="private"
    ).success(
        stream.analyse_video,
        inputs=v.clip,
        outputs=[v.clip_output, v.person, v.clip_timeline, v.clip_message, v.clip_json, v.clip_csv, v.clip_json_file],
        api_name="predict_video",
        concurrency_limit=1,
        concurrency_id="video",
        show_progress_on=[v.clip_output],
    )
    v.person.change(
        stream.show_person, inputs=[v.person, v.clip_json], outputs=v.clip_timeline, api_visibility="private"
    )
    for tab, name in ((v.upload_tab, "upload"), (v.webcam_tab, "webcam"), (v.video_tab, "video")):
        tab.select(
            lambda mode, name=name: photo.show_results_of(name, mode),
            inputs=v.webcam_mode,
            outputs=[v.photo_results, v.clip_results, v.explain, *photo_outputs],
            api_visibility="private",
        )
