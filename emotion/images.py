"""Decoding of user and data-set images: one function for every path into the project.

Limits are set here, at import time, because Gradio decodes UI uploads with Pillow too: the
lowered pixel limit and the decompression-bomb warning turned into an error protect that path as well.
A photo's decoding cost (scans, strips, runs) and memory (size, mode and bit depth) are checked from its header,
before its pixels are decoded; the memory is then held from DECODING until the photo is reduced to RGB.
"""

import contextlib
import ctypes
import ctypes.util
import io
import struct
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageFile, ImageOps, PngImagePlugin

from emotion.errors import DAMAGED_IMAGE, EMPTY_FILE, NOT_AN_IMAGE, ImageError, ImageTooLarge
from emotion.limits import (
    ANALYSED_SIDE,
    DECODE_MEMORY,
    MAX_PIXELS,
    MAX_RLE_BYTES,
    MAX_SCANS,
    MAX_STRIPS,
    PHOTO_FORMATS,
    SMALL_DECODE,
)

ORIENTATION = 0x0112  # the EXIF tag exif_transpose reads
STRIP_OFFSETS, TILE_OFFSETS = 273, 324  # TIFF tags: where each strip or tile starts
START_OF_SCAN = b"\xff\xda"  # a JPEG marker; entropy-coded data never holds it (0xFF is stuffed there)
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False
PngImagePlugin.MAX_TEXT_MEMORY = 4 * 2**20  # a PNG's text chunks, decompressed (Pillow allows 64 MB)
warnings.simplefilter("error", Image.DecompressionBombWarning)
TOO_COSTLY = "The {format} file is built to be slow to decode ({what}); please send it saved again, or another."


class MemoryBudget:
    """Bytes that decodes running at once may hold: one waits while the others hold too much (a decode larger than
    the whole budget runs alone)."""

    def __init__(self, total: int):
        self.total, self.used = total, 0
        self.changed = threading.Condition()

    @contextlib.contextmanager
    def hold(self, size: int) -> Iterator[None]:
        with self.changed:
            self.changed.wait_for(lambda: self.used == 0 or self.used + size <= self.total)
            self.used += size
        try:
            yield
        finally:
            with self.changed:
                self.used -= size
                self.changed.notify_all()


DECODING = MemoryBudget(DECODE_MEMORY)
LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if sys.platform.startswith("linux") else None


def open_image(source: bytes | str | Path | BinaryIO) -> Image.Image:
    """Decode an image file fully and return it upright, first frame only, in RGB; a photo larger than
    ANALYSED_SIDE comes back reduced, its scale in `info["scale"]` (photo_scale) so that boxes can be given in
    the original's pixels. Raises ImageError (ImageTooLarge over MAX_PIXELS) for what cannot be analysed."""
    if isinstance(source, str | Path):
        source = Path(source).read_bytes()  # a photo's header and scans are checked on its bytes
    elif not isinstance(source, bytes):
        source = source.read()
    if not source:
        raise ImageError(EMPTY_FILE)
    try:
        image = Image.open(io.BytesIO(source), formats=PHOTO_FORMATS)
        image.seek(0)
        original_side = max(image.size)
        if original_side > ANALYSED_SIDE:
            shrink = ANALYSED_SIDE / original_side
            image.draft("RGB", (round(image.size[0] * shrink), round(image.size[1] * shrink)))  # JPEG only
        check_decoding_cost(image, source)
        size = decoded_bytes(image) * 2  # the pixels, and at most one copy of them before they shrink
        with DECODING.hold(size) if size > SMALL_DECODE else contextlib.nullcontext():
            image.load()
            if max(image.size) > ANALYSED_SIDE:
                image.thumbnail((ANALYSED_SIDE, ANALYSED_SIDE), Image.Resampling.LANCZOS)  # in its own mode
            upright = to_rgb(image)
        if size > SMALL_DECODE:
            give_back_memory()
        upright.info["scale"] = original_side / max(upright.size)
        return upright
    except ImageError:
        raise  # a limit of our own (check_decoding_cost), already in a person's words
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        limit = MAX_PIXELS // 1_000_000
        raise ImageTooLarge(f"The image has too many pixels (the limit is {limit} megapixels).") from None
    except Image.UnidentifiedImageError:
        raise ImageError(NOT_AN_IMAGE) from None
    # What Pillow raises on a damaged file: its decoders, and its EXIF parser on mangled tags (struct.error, and
    # TypeError where a tag holds a fraction for a count).
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, TypeError):
        raise ImageError(DAMAGED_IMAGE) from None


def give_back_memory() -> None:
    """Return the memory a large decode freed to the system: glibc keeps freed heap pages for reuse, and the app
    stayed about 1 GB higher after a burst of large photos (malloc_trim; a no-op where the C library has none)."""
    if LIBC is not None and hasattr(LIBC, "malloc_trim"):
        LIBC.malloc_trim(0)


def check_decoding_cost(image: Image.Image, data: bytes) -> None:
    """Raises ImageTooLarge for a file whose decoding would cost far more than its pixels: too many progressive
    JPEG scans, TIFF strips or run-length BMP bytes (emotion.limits)."""
    if image.format == "JPEG" and data.count(START_OF_SCAN) > MAX_SCANS:
        raise ImageTooLarge(TOO_COSTLY.format(format="JPEG", what=f"over {MAX_SCANS} scans"))
    if (
        image.format == "TIFF"
        and len(image.tag_v2.get(STRIP_OFFSETS, ())) + len(image.tag_v2.get(TILE_OFFSETS, ())) > MAX_STRIPS
    ):
        raise ImageTooLarge(TOO_COSTLY.format(format="TIFF", what=f"over {MAX_STRIPS:,} strips"))
    run_length = image.format == "BMP" and image.tile and image.tile[0][0] == "bmp_rle"
    if run_length and len(data) - image.tile[0][2] > MAX_RLE_BYTES:
        raise ImageTooLarge(TOO_COSTLY.format(format="BMP", what="over 1 MB of compressed runs"))


def decoded_bytes(image: Image.Image) -> int:
    """The memory Pillow allocates for the decoded pixels, from the header: 1 byte a pixel for 1, L and P, 2 for
    16-bit gray, 4 for the rest (RGB included)."""
    per_pixel = 1 if image.mode in ("1", "L", "P") else 2 if image.mode.startswith("I;16") else 4
    return image.size[0] * image.size[1] * per_pixel


def photo_scale(image: Image.Image | np.ndarray) -> float:
    """How many of the original photo's pixels one of `image`'s stands for (open_image reduces large photos)."""
    return image.info.get("scale", 1.0) if isinstance(image, Image.Image) else 1.0


def to_rgb(image: Image.Image) -> Image.Image:
    """An upright RGB image from one of any mode (itself when it is one already, as open_image's are);
    transparency is composited on white, 16-bit is scaled."""
    if image.mode == "RGB" and image.getexif().get(ORIENTATION, 1) == 1:
        return image
    image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        pixels = np.asarray(image, dtype=np.float32)
        # 16-bit has a known range; 32-bit integer and float images are stretched to their own.
        low, high = (0.0, 65535.0) if image.mode.startswith("I;16") else (float(pixels.min()), float(pixels.max()))
        scaled = (pixels - low) * (255.0 / max(high - low, 1e-6))
        return Image.fromarray(np.clip(scaled + 0.5, 0, 255).astype(np.uint8)).convert("RGB")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, image).convert("RGB")
    return image.convert("RGB")


def to_rgb_array(image: Image.Image | np.ndarray) -> np.ndarray:
    """An (H, W, 3) uint8 RGB array from a PIL image of any mode or an RGB / gray / RGBA array."""
    if isinstance(image, Image.Image):
        return np.asarray(to_rgb(image))
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise ImageError(f"Expected uint8 pixels, got {array.dtype}.")
    if array.ndim == 2:
        return np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim == 3 and array.shape[2] == 3:
        return array
    if array.ndim == 3 and array.shape[2] == 4:
        return np.asarray(to_rgb(Image.fromarray(array, "RGBA")))
    raise ImageError(f"Expected an (H, W), (H, W, 3) or (H, W, 4) array, got shape {array.shape}.")
