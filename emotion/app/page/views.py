"""The page's layout: every component, made inside the page's Blocks, and held by name for the handlers."""

from dataclasses import dataclass

import gradio as gr

from emotion.app.model_card import about_markdown
from emotion.app.page.components import clip_input, expression_legend, photo_input, timeline_plot
from emotion.app.page.settings import CACHE_CLEANUP, CLIP_SECONDS_PER_MINUTE, EXAMPLES, LIMITS, LIVE_SECONDS
from emotion.app.table import TABLE_HEADERS
from emotion.label_sets import LABEL_SETS, confusion_plot
from emotion.labels import CLASSES
from emotion.limits import ASSETS, CLIP_LIMITS_TEXT
from emotion.predictor import Predictor


@dataclass
class Views:
    upload_tab: gr.Tab
    upload: gr.Image
    upload_button: gr.Button
    examples: gr.Examples
    webcam_tab: gr.Tab
    webcam_mode: gr.Radio
    webcam: gr.Image
    webcam_button: gr.Button
    live: gr.Image
    live_stopped: gr.Textbox  # changes when a live run reaches its limit: the page then stops the camera's stream
    video_tab: gr.Tab
    clip: gr.File
    clip_button: gr.Button
    clip_results: gr.Column
    clip_output: gr.Video
    clip_message: gr.Markdown
    person: gr.Dropdown
    clip_timeline: gr.LinePlot
    clip_csv: gr.DownloadButton
    clip_json_file: gr.DownloadButton
    clip_json: gr.JSON
    photo_results: gr.Column
    annotated: gr.Image
    live_output: gr.HTML
    message: gr.Markdown
    follow: gr.Dropdown
    live_timeline: gr.Column
    timeline: gr.LinePlot
    whole_button: gr.Button
    picker: gr.Dropdown
    explain: gr.Checkbox
    scores: gr.Label
    table: gr.Dataframe
    faces_json: gr.JSON
    faces_csv: gr.Textbox
    json_button: gr.Button
    csv_button: gr.Button
    last_result: gr.State  # the last analysed photo and its faces, for the explanation switch
    live_session: gr.State  # the live stream's emotion.app.live.LiveSession, one per visitor


def lay_out(predictor: Predictor) -> Views:
    """Every component of the page, in the Blocks that is open; photo_input hands the uploaded file over as it
    is, so emotion.open_image decodes it (EXIF, modes, limits) exactly as REST and the CLI do."""
    gr.Markdown(
        "# Facial expression recognition\nUpload a photo, use your webcam (a snapshot or live) or analyse a "
        f"video clip: every face is boxed and scored for seven expressions ({', '.join(CLASSES)})."
    )
    parts: dict = {"last_result": gr.State(None, time_to_live=CACHE_CLEANUP[1]), "live_session": gr.State(None)}
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300), gr.Tabs():
            with gr.Tab("Upload") as parts["upload_tab"]:
                parts["upload"] = photo_input(sources=["upload", "clipboard"], label="Photo", elem_id="photo-input")
                parts["upload_button"] = gr.Button("Find faces", variant="primary")
                parts["examples"] = gr.Examples(EXAMPLES, inputs=parts["upload"])
            with gr.Tab("Webcam") as parts["webcam_tab"]:
                parts["webcam_mode"] = gr.Radio(["Snapshot", "Live"], value="Snapshot", show_label=False)
                parts["webcam"] = photo_input(sources=["webcam"], label="Snapshot")
                parts["webcam_button"] = gr.Button("Find faces", variant="primary")
                # type="numpy": streamed frames are decoded in memory, not saved to the cache.
                parts["live"] = gr.Image(
                    sources=["webcam"],
                    streaming=True,
                    type="numpy",
                    visible=False,
                    label=f"Live (updates while the camera runs, up to {LIVE_SECONDS:.0f} s)",
                    elem_id="live-input",
                )
                parts["live_stopped"] = gr.Textbox(visible=False)
            with gr.Tab("Video") as parts["video_tab"]:
                # A file input, not gr.Video: the browser need not play a clip for the server to read it
                # (Chromium without H.264 greets a phone's MP4 with "Video not playable").
                # No file_types: Gradio would refuse another file with its own words; emotion.video says what is wrong.
                parts["clip"] = clip_input(label="Clip", elem_id="clip-input")
                gr.Markdown(
                    f"{CLIP_LIMITS_TEXT} A 60 s 720p clip takes about {CLIP_SECONDS_PER_MINUTE} s on two CPU cores."
                )
                parts["clip_button"] = gr.Button("Analyse clip", variant="primary")
        with gr.Column(scale=1, min_width=300, visible=False) as parts["clip_results"]:
            # No label chip: on a phone it covered the clip's top and the labels of the faces there.
            parts["clip_output"] = gr.Video(
                label="Annotated clip", show_label=False, interactive=False, elem_id="clip-output"
            )
            parts["clip_message"] = gr.Markdown()
            parts["person"] = gr.Dropdown(label="Timeline of", visible=False, interactive=True, elem_id="person")
            parts["clip_timeline"] = timeline_plot(
                label="Expression probabilities over the clip (smoothed)", elem_id="clip-timeline"
            )
            expression_legend("clip-legend")
            with gr.Row():
                parts["clip_csv"] = gr.DownloadButton("Download CSV", visible=False, size="sm")
                parts["clip_json_file"] = gr.DownloadButton("Download JSON", visible=False, size="sm")
            with gr.Accordion("Result data (JSON)", open=False):
                parts["clip_json"] = gr.JSON(label="People", elem_id="clip-json")
        with gr.Column(scale=1, min_width=300) as parts["photo_results"]:
            # No label chip: it sat over the photo's top-left corner, hiding the label of a face there.
            parts["annotated"] = gr.Image(
                label="Faces found",
                show_label=False,
                type="filepath",
                interactive=False,
                buttons=["download"],
                elem_id="annotated",
            )
            parts["live_output"] = gr.HTML(visible=False, elem_id="live-view")
            parts["message"] = gr.Markdown()
            # Any value: the choices change with every frame, and the one the page sends back may be gone by then.
            parts["follow"] = gr.Dropdown(
                label="Follow face", visible=False, interactive=True, elem_id="follow", allow_custom_value=True
            )
            with gr.Column(visible=False) as parts["live_timeline"]:
                parts["timeline"] = timeline_plot(
                    x_lim=[-30, 0], elem_id="timeline", label="The followed face over the last 30 seconds (smoothed)"
                )
                expression_legend("timeline-legend")
            parts["whole_button"] = gr.Button("Classify the whole image as one face", visible=False)
            parts["picker"] = gr.Dropdown(label="Show the expressions of", visible=False, interactive=True)
            parts["explain"] = gr.Checkbox(label="Show what the model looked at", value=False, elem_id="explain")
            parts["scores"] = gr.Label(num_top_classes=7, label="Expression probabilities", elem_id="scores")
            # Wrapped, with widths that add up to the column, so a phone shows every column without scrolling.
            parts["table"] = gr.Dataframe(
                headers=TABLE_HEADERS,
                label="All faces",
                interactive=False,
                elem_id="faces-table",
                wrap=True,
                column_widths=["14%", "29%", "31%", "26%"],
            )
            with gr.Accordion("Result data (JSON, CSV)", open=False):
                parts["faces_json"] = gr.JSON(label="Faces", elem_id="faces-json")
                parts["faces_csv"] = gr.Textbox(visible=False)  # emotion.app.table's CSV, for the download button
                with gr.Row():
                    parts["json_button"] = gr.Button("Download JSON", size="sm")
                    parts["csv_button"] = gr.Button("Download CSV", size="sm")
    with gr.Accordion("About the model", open=False):
        gr.Markdown(about_markdown(predictor.model_card, predictor.served_head, LIMITS), elem_id="about-model")
        plot, label_set = ASSETS / confusion_plot(predictor.served_head), LABEL_SETS.get(predictor.served_head)
        if plot.is_file() and label_set is not None:
            gr.Image(
                str(plot),
                label=f"PrivateTest confusion matrix, {label_set.evaluations[0].title}",
                interactive=False,
                show_label=True,
            )
    return Views(**parts)
