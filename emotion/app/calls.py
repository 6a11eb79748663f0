"""The page's calls, checked against the event they name before Gradio runs them: a malformed one is a 400 with a
reason, where Gradio would answer 500 (or fail in its queue) and log a traceback. Three routes bring them: the
queue's join (analyses, live runs), a live run's next frame, and /run/predict, where the few events that skip the
queue come (an example chosen, live Record, Stop and Follow, a mode or tab shown, a failure's clearing)."""

import json
from enum import Enum

import gradio as gr

from emotion.app.scratch import is_upload

MAX_TEXT = 200  # a dropdown's typed value: the page's choices are short


class Route(Enum):
    DIRECT = "direct"  # /gradio_api/run/predict: events that skip the queue
    QUEUED = "queued"  # /gradio_api/queue/join
    FRAME = "frame"  # /gradio_api/stream/<id>: a live run's next frame


def is_file(value) -> bool:
    """A file the page's client names: a dict (Gradio's FileData, ImageData) with an upload's path, or a data URL."""
    if not isinstance(value, dict):
        return False
    if isinstance(value.get("path"), str):
        return is_upload(value["path"])
    return isinstance(value.get("url"), str) and value["url"].startswith("data:")


def accepts(component, value) -> bool:
    """Whether `value` is one the page could send for `component`."""
    if isinstance(component, gr.State):
        return True  # Gradio reads a state from the session, not from the call
    if isinstance(component, gr.Dataset):  # an example's index
        return type(value) is int and 0 <= value < len(component.samples)
    if isinstance(component, gr.Radio):
        return value in [choice for _, choice in component.choices]
    if isinstance(component, gr.Dropdown):  # a face's or a person's number; the handlers ignore any other value
        return value is None or type(value) is int or (isinstance(value, str) and len(value) <= MAX_TEXT)
    if isinstance(component, gr.Checkbox):
        return type(value) is bool
    if isinstance(component, gr.Image | gr.File):
        return value is None or is_file(value)
    return False  # no other input is ever sent


def call_problem(blocks: gr.Blocks, body: bytes, route: Route) -> str | None:
    """None for a call the page could make on `route`; else what is wrong with it, in a line."""
    try:
        call = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "the body is not JSON"
    if not isinstance(call, dict) or type(call.get("fn_index")) is not int or not isinstance(call.get("data"), list):
        return "a call names its event (fn_index) and gives its inputs (data)"
    event = blocks.fns.get(call["fn_index"])
    if event is None or event.fn is None or event.queue != (route != Route.DIRECT):
        return "no event of the page is called this way"
    if route == Route.FRAME and event.connection != "stream":
        return "only a live run takes frames"
    if len(call["data"]) != len(event.inputs):
        return f"the event takes {len(event.inputs)} inputs, not {len(call['data'])}"
    if not all(accepts(component, value) for component, value in zip(event.inputs, call["data"], strict=True)):
        return "an input the event does not take"
    selected = call.get("event_data")
    if any(name == "select" for _, name in event.targets) and not (
        isinstance(selected, dict) and "value" in selected and "index" in selected
    ):
        return "a selection without what was selected (event_data)"
    return None
