"""The Upload tab: a photo (uploaded, pasted or an example) beside its results."""

import gradio as gr

from emotion.app.page.components import PhotoInput
from emotion.app.page.photo_results import photo_results, wire_photo
from emotion.app.page.settings import EXAMPLES
from emotion.predictor import Predictor


def upload_tab(predictor: Predictor) -> None:
    """The tab, made and wired in the open Blocks; its "Find faces" is the API's `predict`."""
    with gr.Tab("Upload"), gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            photo = PhotoInput(type="filepath", sources=["upload", "clipboard"], label="Photo", elem_id="upload-input")
            button = gr.Button("Find faces", variant="primary")
            examples = gr.Examples(EXAMPLES, inputs=photo)
        with gr.Column(scale=1, min_width=300):
            results = photo_results("upload")
    # An upload or an example is analysed at once; the button analyses the photo again.
    wire_photo(predictor, photo, [button.click, photo.upload, examples.load_input_event.then], results, "predict")
