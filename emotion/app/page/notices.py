"""How the page refuses: an upload found (or not) in Gradio's cache, and a refusal turned into a notice."""

import time
from pathlib import Path
from typing import TypeVar

import gradio as gr

from emotion.app.answers import (
    RESULT_EXPIRED,
    UPLOAD_EXPIRED,
    NothingUploaded,
    ResultExpired,
    UploadExpired,
    user_error,
)
from emotion.app.page import settings
from emotion.app.requestlog import log_request

Result = TypeVar("Result")


def uploaded(upload: str | None, nothing: str) -> tuple[Path, int]:
    """An upload's path in Gradio's cache and its size; NothingUploaded (saying `nothing`) when none was chosen,
    UploadExpired once the cache sweep has removed it."""
    if not upload:
        raise NothingUploaded(nothing)
    try:
        return Path(upload), Path(upload).stat().st_size
    except FileNotFoundError:
        raise UploadExpired(UPLOAD_EXPIRED) from None


def page_error(problem: Exception, channel: str, size: int = 0, started: float | None = None) -> gr.Error:
    """The notice for a refusal (emotion.app.answers); a refused upload (`started` given) is logged as one line.
    Never a traceback."""
    error = user_error(problem)
    if started is not None:
        log_request(channel, size, str(error.status), started)
    return gr.Error(error.text, title=error.title, duration=10, print_exception=False)


def unexpired(result: Result | None, what: str) -> Result:
    """A page's result (anything with `made`, its time.monotonic()) for a click that needs it, or the expired
    notice once RESULT_SECONDS have passed (its files are swept by then) or the visitor's state has let it go."""
    if result is None or time.monotonic() - result.made > settings.RESULT_SECONDS:
        raise page_error(ResultExpired(RESULT_EXPIRED.format(what=what)), "ui")
    return result
