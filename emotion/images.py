"""Decoding of user and data-set images: one function for every path into the project.

Limits are set here, at import time, because Gradio decodes UI uploads with Pillow too: the
lowered pixel limit and the decompression-bomb warning turned into an error protect that path as well.
"""

import io
import struct
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageFile, ImageOps

from emotion.errors import DAMAGED_IMAGE, EMPTY_FILE, NOT_AN_IMAGE, ImageError, ImageTooLarge
from emotion.limits import ANALYSED_SIDE, MAX_PIXELS, PHOTO_FORMATS

ORIENTATION = 0x0112  # the EXIF tag exif_transpose reads
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False
warnings.simplefilter("error", Image.DecompressionBombWarning)


def open_image(source: bytes | str | Path | BinaryIO) -> Image.Image:
    """Decode an image file fully and return it upright, first frame only, in RGB; a photo larger than
    ANALYSED_SIDE comes back reduced, its scale in `info["scale"]` (photo_scale) so that boxes can be given in
    the original's pixels. Raises ImageError (ImageTooLarge over MAX_PIXELS) for what cannot be analysed."""
    if isinstance(source, bytes):
        if not source:
            raise ImageError(EMPTY_FILE)
        source = io.BytesIO(source)
    elif isinstance(source, str | Path) and Path(source).stat().st_size == 0:
        raise ImageError(EMPTY_FILE)
    try:
        image = Image.open(source, formats=PHOTO_FORMATS)
        image.seek(0)
        original_width = image.size[0]
        if max(image.size) > ANALYSED_SIDE:
            shrink = ANALYSED_SIDE / max(image.size)
            image.draft("RGB", (round(image.size[0] * shrink), round(image.size[1] * shrink)))  # JPEG only
        image.load()
        decoded_width = image.size[0]
        upright = to_rgb(image)
        before = max(upright.size)
        if before > ANALYSED_SIDE:
            upright.thumbnail((ANALYSED_SIDE, ANALYSED_SIDE), Image.Resampling.LANCZOS)
        upright.info["scale"] = original_width / decoded_width * before / max(upright.size)
        return upright
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise  # a path that cannot be opened is the caller's problem, not a damaged image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        limit = MAX_PIXELS // 1_000_000
        raise ImageTooLarge(f"The image has too many pixels (the limit is {limit} megapixels).") from None
    except Image.UnidentifiedImageError:
        raise ImageError(NOT_AN_IMAGE) from None
    # What Pillow raises on a damaged file: its decoders, and its EXIF parser on mangled tags (struct.error, and
    # TypeError where a tag holds a fraction for a count).
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, TypeError):
        raise ImageError(DAMAGED_IMAGE) from None


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
