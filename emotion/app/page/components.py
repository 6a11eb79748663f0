"""The page's own components: inputs that hand the upload to emotion's decoders untouched, and the timelines."""

import base64
import tempfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote_to_bytes

import gradio as gr
import numpy as np
import pandas as pd

from emotion.app.answers import NOT_UPLOADED, BadRequest
from emotion.app.page.notices import page_error
from emotion.app.page.settings import TIMELINE_GAP
from emotion.app.scratch import cache_folder, is_upload
from emotion.errors import ImageError, ImageTooLarge, too_large
from emotion.images import open_image
from emotion.labels import CLASSES, COLOURS
from emotion.limits import MAX_PHOTO_BYTES

# Each expression's colour in the timelines is its box's.
TIMELINE_COLOURS = {name: "#{:02x}{:02x}{:02x}".format(*COLOURS[name]) for name in CLASSES}


class PhotoInput(gr.Image):
    """A gr.Image (type="filepath") that hands the cached upload to `emotion.open_image` untouched, on every path
    (upload, paste, webcam snapshot, example, API call).

    Gradio's own image preprocessing opens the upload with Pillow and saves a re-encoded copy: a file that is not an
    image ended in a traceback and silence instead of our message, and a good one was scored on the copy. A class,
    not a patched instance: Gradio rebuilds a component from its class for a visitor once an event (an example
    click) has changed it. (Gradio writes a .pyi stub beside this module; .gitignore keeps it out.)
    """

    is_template = True  # drawn by Gradio's own Image in the browser; made with type="filepath"

    def preprocess(self, payload) -> str | None:
        if payload is not None and (payload.url or "").startswith("data:"):
            return saved_data_url(payload.url)
        if payload is not None and payload.path and not is_upload(payload.path):  # a server's file: never read
            raise page_error(BadRequest(NOT_UPLOADED), "ui")
        return str(payload.path) if payload is not None and payload.path else None


class LiveInput(gr.Image):
    """The live camera (streaming, type="numpy"), whose frames `emotion.open_image` decodes, as REST's photos: its
    formats, its size limit and its reduction, never Gradio's decoder (which took TGA, PCX, JPEG 2000... at 50 MB).
    A frame that is not such a photo is dropped (None): the stream goes on."""

    is_template = True  # drawn by Gradio's own Image in the browser

    def preprocess(self, payload) -> np.ndarray | None:
        try:
            if payload is not None and (payload.url or "").startswith("data:"):
                return np.asarray(open_image(data_url_bytes(payload.url)))
            if payload is not None and payload.path:
                if not is_upload(payload.path) or Path(payload.path).stat().st_size > MAX_PHOTO_BYTES:
                    return None
                return np.asarray(open_image(payload.path))
        except (ImageError, OSError):
            return None
        return None


def data_url_bytes(url: str) -> bytes:
    """A data: URL's bytes, decoded by no image library; ImageTooLarge over a photo's limit, before decoding."""
    header, _, data = url.partition(",")
    if len(data) > MAX_PHOTO_BYTES * 4 // 3 + 4:  # base64's four characters for three bytes
        raise ImageTooLarge(too_large("photo", MAX_PHOTO_BYTES))
    try:
        return base64.b64decode(data) if ";base64" in header else unquote_to_bytes(data)
    except ValueError:  # not base64: open_image says the file is not an image
        return data.encode()


def saved_data_url(url: str) -> str:
    """A data: URL's bytes (a client may send a photo so) as a file in the app's cache, for the analysis to read."""
    try:
        content = data_url_bytes(url)
    except ImageTooLarge as problem:
        raise page_error(problem, "ui") from None  # the notice an upload over the limit gets
    path = Path(tempfile.mkdtemp(prefix="emotion-data-", dir=cache_folder())) / "photo"
    path.write_bytes(content)
    return str(path)


def clip_input(**options) -> gr.File:
    """A gr.File (a clip's path) whose preprocessing hands on the cached upload's path and nothing else.

    Gradio's own gr.File preprocessing opens an empty temporary file in its cache for every call and never closes
    or deletes it. The clip's content is judged by emotion.video, not by its name.
    """
    component = gr.File(**options)

    def preprocess(payload):
        return str(payload.path) if payload is not None else None

    component.preprocess = preprocess
    return component


def rounded(value, digits: int = 4):
    """Floats rounded for the page's JSON views (and their downloads): 0.7453, not 0.74530327320098877."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {key: rounded(item, digits) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(item, digits) for item in value]
    return value


def probability_frame(moments: list[tuple[float, Sequence[float]]]) -> pd.DataFrame:
    """(seconds, probabilities in CLASSES' order) moments as a timeline's frame, in percent as the bars read. Where
    the face was out of view for over TIMELINE_GAP, an empty row between two moments breaks every line."""
    rows = []
    for index, (seconds, probabilities) in enumerate(moments):
        if index and seconds - moments[index - 1][0] > TIMELINE_GAP:
            middle = (seconds + moments[index - 1][0]) / 2
            rows += [(middle, name, None) for name in CLASSES]
        rows += [(seconds, name, round(100 * float(p), 1)) for name, p in zip(CLASSES, probabilities, strict=True)]
    frame = pd.DataFrame(rows, columns=["seconds", "expression", "percent"])
    return frame.astype({"seconds": float, "percent": float})  # numbers even when empty: the chart's axes stay numeric


def timeline_plot(**settings) -> gr.LinePlot:
    """A timeline of the probabilities (probability_frame's columns) without Gradio's legend, which keeps to one
    row and loses its last entries on a phone; expression_legend, below it, wraps instead."""
    return gr.LinePlot(
        x="seconds",
        y="percent",
        y_title="probability (%)",
        color="expression",
        y_lim=[0, 100],
        color_map=TIMELINE_COLOURS,
        colors_in_legend=[],
        **settings,
    )


def expression_legend(elem_id: str) -> gr.HTML:
    items = "".join(f'<span style="--swatch: {colour}">{name}</span>' for name, colour in TIMELINE_COLOURS.items())
    return gr.HTML(f'<div class="expression-legend">{items}</div>', elem_id=elem_id)
