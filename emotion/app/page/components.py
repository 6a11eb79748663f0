"""The page's own components: inputs that hand the upload to emotion's decoders untouched, and the timelines."""

import gradio as gr
import pandas as pd

from emotion.labels import CLASSES, COLOURS

# Each expression's colour in the timelines is its box's.
TIMELINE_COLOURS = {name: "#{:02x}{:02x}{:02x}".format(*COLOURS[name]) for name in CLASSES}


def photo_input(**options) -> gr.Image:
    """A gr.Image (type="filepath") that hands the uploaded file to `emotion.open_image` untouched.

    Gradio's own image preprocessing opens every upload with Pillow before our function runs, so a file that is
    not an image ended in Gradio's generic "Error" instead of our message. (Not a gr.Image subclass: Gradio writes
    a .pyi stub beside the module of every component class, which fails on a read-only file system.)
    """
    image = gr.Image(type="filepath", **options)
    gradio_preprocess = image.preprocess

    def preprocess(payload):
        if payload is not None and payload.path and not (payload.url or "").startswith("data:"):
            return str(payload.path)
        return gradio_preprocess(payload)

    image.preprocess = preprocess
    return image


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


def probability_frame(rows: list[tuple[float, str, float]]) -> pd.DataFrame:
    """(seconds, expression, probability) rows as a timeline's frame, in percent as the bars read; a flat line at
    0 when there are none."""
    rows = [(seconds, name, round(100 * probability, 1)) for seconds, name, probability in rows]
    return pd.DataFrame(rows or [(0.0, name, 0.0) for name in CLASSES], columns=["seconds", "expression", "percent"])


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
