"""What can be wrong with a photo or a clip that a person sends, by kind, and each message a person reads about it,
written once. The app gives each kind its HTTP status and notice title (emotion.app.answers); the command line
and batch print the message."""

from emotion.limits import mb


class InputError(ValueError):
    """A file that cannot be analysed; the message is meant for the person who sent it."""


class ImageError(InputError):
    """A file that is not a readable photo."""


class ImageTooLarge(ImageError):
    """A photo over a limit: its file's size, its pixels or its decoding's cost."""


class VideoError(InputError):
    """A clip that cannot be analysed."""


class VideoTooLarge(VideoError):
    """A clip over a limit: its file's size, its length or its frames' size."""


EMPTY_FILE = "The file is empty."
NOT_AN_IMAGE = "This file is not an image we can read: please send a JPEG, PNG, WebP, BMP, GIF or TIFF photo."
DAMAGED_IMAGE = "The image file is damaged or truncated and cannot be decoded: please send it again, or another."
NOT_A_VIDEO = "This file is not a video we can read (no picture stream found): please send an MP4, WebM or MOV clip."
STILL_PICTURE = "This file is a still picture, not a clip: send it as a photo (the Upload tab)."


def too_large(what: str, max_bytes: float) -> str:
    """ "The photo is larger than the 10 MB limit." for a file, or an upload, over its size limit."""
    return f"The {what} is larger than the {mb(max_bytes)} limit."
