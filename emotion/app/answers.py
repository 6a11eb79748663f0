"""How the app answers what it refuses: each kind of refusal has one HTTP status (REST, the guard) and one notice
title (the page), in STATUSES. The photo and clip kinds come from emotion.errors; the kinds below are the app's
own (uploads, requests, load). Anything else is a real fault and keeps its traceback."""

from dataclasses import dataclass

from fastapi.responses import JSONResponse

from emotion.errors import ImageError, ImageTooLarge, VideoError, VideoTooLarge

RETRY_AFTER_SECONDS = 5  # what a 503 or a 429 tells a client to wait


class NothingUploaded(Exception):
    """A button pressed before a file was chosen."""


class UploadExpired(Exception):
    """An upload the server has already swept from its cache."""


class ResultExpired(Exception):
    """A page result whose picture and data the server has already let go (after CACHE_CLEANUP's age)."""


class UploadTooLarge(Exception):
    """A request body over its route's limit."""


class UploadTooSlow(Exception):
    """A request body that did not arrive in its route's time."""


class BadRequest(Exception):
    """A request the app cannot read: not multipart, no file field, a wrong query parameter."""


class ServerBusy(Exception):
    """Every analysis slot and every place in line taken."""


class TooManyRequests(Exception):
    """One client's share used: its requests in flight, its jobs in the queue or its uploads on disk."""


UPLOAD_EXPIRED = (
    "This file is no longer on the server (uploads are deleted after a couple of minutes); please upload it again."
)
RESULT_EXPIRED = "This result has expired (results are deleted after two minutes): analyse the {what} again."
BUSY = "The server is busy right now; please try again in a few seconds."
NOT_UPLOADED = "This file was not uploaded to the page: upload the photo, then analyse it."

# Checked in order: a subclass before its parent.
STATUSES: tuple[tuple[type[Exception], int, str], ...] = (
    (ImageTooLarge, 413, "Photo too large"),
    (ImageError, 400, "Cannot read this file"),
    (VideoTooLarge, 413, "Clip too large"),
    (VideoError, 400, "Cannot analyse this clip"),
    (NothingUploaded, 400, "Nothing to analyse"),
    (UploadExpired, 410, "Upload expired"),
    (ResultExpired, 410, "Result expired"),
    (UploadTooLarge, 413, "Upload too large"),
    (UploadTooSlow, 408, "Upload too slow"),
    (BadRequest, 400, "Bad request"),
    (ServerBusy, 503, "Server busy"),
    (TooManyRequests, 429, "Too many requests"),
)
REFUSALS = tuple(kind for kind, _, _ in STATUSES)  # what a handler catches: `except REFUSALS`


@dataclass(frozen=True)
class UserError:
    status: int  # what REST answers
    title: str  # what the page's notice is headed
    message: str  # what the person reads

    @property
    def text(self) -> str:
        """Title and message in one line, for a notice that shows no title of its own (Gradio's toasts)."""
        return f"{self.title}: {self.message}"


def user_error(error: Exception) -> UserError | None:
    """The refusal `error` stands for, or None when it is a real fault."""
    for kind, status, title in STATUSES:
        if isinstance(error, kind):
            return UserError(status, title, str(error))
    return None


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error in the app's one shape, {"error": message}; a 503 or a 429 says when to try again."""
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status in (429, 503) else {}
    return JSONResponse({"error": message}, status_code=status, headers=retry | (headers or {}))
