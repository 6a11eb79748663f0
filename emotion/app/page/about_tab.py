"""The About tab: the model's card (what it was trained on, how well it does, its limits) and its confusion matrix."""

import gradio as gr

from emotion.app.model_card import about_markdown
from emotion.app.page.settings import LIMITS
from emotion.label_sets import LABEL_SETS, confusion_plot
from emotion.limits import ASSETS
from emotion.predictor import Predictor


def about_tab(predictor: Predictor) -> None:
    with gr.Tab("About"):
        gr.Markdown(about_markdown(predictor.model_card, predictor.served_head, LIMITS), elem_id="about-model")
        plot, label_set = ASSETS / confusion_plot(predictor.served_head), LABEL_SETS.get(predictor.served_head)
        if plot.is_file() and label_set is not None:
            gr.Image(
                str(plot),
                label=f"PrivateTest confusion matrix, {label_set.evaluations[0].title}",
                interactive=False,
                show_label=True,
                buttons=[],
            )
