"""Decoding of user and data-set images: one function for every path into the project.

Limits are set here, at import time, because Gradio decodes UI uploads with Pillow too: the
lowered pixel limit and the decompression-bomb warning turned into an error protect that path as well.
"""

import io
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageFile, ImageOps

ALLOWED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF")
MAX_PIXELS = 40_000_000

Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False
warnings.simplefilter("error", Image.DecompressionBombWarning)


class ImageError(ValueError):
    """An upload that is not a readable photo; the message is meant for the person who sent it."""


class ImageTooLarge(ImageError):
    """A photo over the pixel limit (HTTP 413 rather than 400)."""


def open_image(source: bytes | str | Path | BinaryIO) -> Image.Image:
    """Decode an image file fully and return it upright, first frame only, in RGB."""
    if isinstance(source, bytes):
        if not source:
            raise ImageError("The file is empty.")
        source = io.BytesIO(source)
    elif isinstance(source, str | Path) and Path(source).stat().st_size == 0:
        raise ImageError("The file is empty.")
    try:
        image = Image.open(source, formats=ALLOWED_FORMATS)
        image.seek(0)
        image.load()
        return to_rgb(image)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise  # a path that cannot be opened is the caller's problem, not a damaged image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        limit = MAX_PIXELS // 1_000_000
        raise ImageTooLarge(f"The image has too many pixels (the limit is {limit} megapixels).") from None
    except Image.UnidentifiedImageError:
        raise ImageError(
            "This file is not an image we can read: please send a JPEG, PNG, WebP, BMP, GIF or TIFF photo."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageError(f"The image file is damaged or truncated and cannot be decoded ({error}).") from None


def to_rgb(image: Image.Image) -> Image.Image:
    """Upright RGB copy of an image of any mode; transparency is composited on white, 16-bit is scaled."""
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
