"""What several tests share besides fixtures (those are in conftest.py): where things are, and small helpers
that make and encode test images or run calls at once."""

import io
import threading
from collections.abc import Callable
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_MODEL = ROOT / "assets" / "model.keras"
SHARED = ROOT.parent / "shared"


ASTRONAUT_FACE = (138, 12, 306, 213)  # left, top, right, bottom of the face (with margin) in the astronaut photo
STORED_FOR_ORIENTATION = {  # how a camera stores an upright photo for each EXIF orientation
    1: [],
    2: [Image.Transpose.FLIP_LEFT_RIGHT],
    3: [Image.Transpose.ROTATE_180],
    4: [Image.Transpose.FLIP_TOP_BOTTOM],
    5: [Image.Transpose.TRANSPOSE],
    6: [Image.Transpose.ROTATE_90],
    7: [Image.Transpose.TRANSVERSE],
    8: [Image.Transpose.ROTATE_270],
}


def in_threads(function: Callable, arguments: list) -> list:
    """function(argument) for every argument, each in its own thread, all started at once; results in order."""
    results: list = [None] * len(arguments)

    def run(index: int) -> None:
        results[index] = function(arguments[index])

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(arguments))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def encode(image: Image.Image, format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def with_exif_orientation(upright: Image.Image, orientation: int, format: str = "PNG", **options) -> bytes:
    """A file whose stored pixels need EXIF orientation `orientation` to look like `upright`."""
    stored = upright
    for step in STORED_FOR_ORIENTATION[orientation]:
        stored = stored.transpose(step)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, format, exif=exif, **options)
