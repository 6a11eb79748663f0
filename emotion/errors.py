"""What each ordinary user error is called and which HTTP status it gets: one mapping for the page and REST.

An ordinary user error (a file that is not a photo, a clip over a limit, nothing uploaded) is answered with
its title and message and logged as one line (emotion.requestlog); anything else is a real fault and keeps
its traceback.
"""

from dataclasses import dataclass

from emotion.images import ImageError, ImageTooLarge


@dataclass(frozen=True)
class UserError:
    status: int  # what REST answers
    title: str  # what the page's notice is headed
    message: str  # what the person reads

    @property
    def text(self) -> str:
        """Title and message in one line, for a notice that shows no title of its own (Gradio's toasts)."""
        return f"{self.title}: {self.message}"


class VideoError(ValueError):
    """A clip that cannot be analysed; the message is meant for the person who sent it (HTTP 400)."""


class VideoTooLarge(VideoError):
    """A clip over a limit: size, length or resolution (HTTP 413)."""


class NothingUploaded(Exception):
    """A button pressed before a file was chosen."""


class UploadExpired(Exception):
    """An upload the server has already swept from its cache."""


# Checked in order: a subclass before its parent.
KINDS: tuple[tuple[type[Exception], int, str], ...] = (
    (ImageTooLarge, 413, "Photo too large"),
    (ImageError, 400, "Cannot read this file"),
    (VideoTooLarge, 413, "Clip too large"),
    (VideoError, 400, "Cannot analyse this clip"),
    (NothingUploaded, 400, "Nothing to analyse"),
    (UploadExpired, 410, "Upload expired"),
)


def user_error(error: Exception) -> UserError | None:
    """The user error `error` stands for, or None when it is a real fault."""
    for kind, status, title in KINDS:
        if isinstance(error, kind):
            return UserError(status, title, str(error))
    return None
