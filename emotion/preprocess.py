"""The one face preprocessing, shared by training (train/) and serving (emotion.Predictor).

A face becomes a 48x48 uint8 grayscale array; pixel scaling happens inside the model.
"""

import cv2
import numpy as np

INPUT_SIZE = 48
# FER2013 faces are framed a little wider than a detector's box: forehead to chin, ears at the edges.
FACE_MARGIN = 0.15

Box = tuple[int, int, int, int]  # x, y, width, height in photo pixels


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB uint8 -> (H, W) uint8 luminance; a 2-D array is returned as it is."""
    if rgb.ndim == 2:
        return rgb
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def square_crop_box(box: Box, margin: float = FACE_MARGIN) -> Box:
    """The square region around a face box, grown by `margin` of its size on each side."""
    x, y, w, h = box
    side = max(w, h) * (1 + 2 * margin)
    cx, cy = x + w / 2, y + h / 2
    return round(cx - side / 2), round(cy - side / 2), round(side), round(side)


def crop(gray: np.ndarray, region: Box) -> np.ndarray:
    """Cut `region` out of a gray image; parts outside the image repeat its edge pixels."""
    x, y, w, h = region
    height, width = gray.shape
    pad = max(0, -x, -y, x + w - width, y + h - height)
    if pad:
        gray = cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    return gray[y + pad:y + pad + h, x + pad:x + pad + w]


def prepare_face(image: np.ndarray, box: Box | None = None, margin: float = FACE_MARGIN) -> np.ndarray:
    """A face ready for the model: grayscale, cropped square around `box` (the whole image if None), 48x48.

    Anything a particular model needs beyond this (pixel scaling, the blur of a model trained only on
    blurred faces) is a layer inside that model, so each model carries its own input expectations.
    """
    gray = to_gray(image)
    if box is not None:
        gray = crop(gray, square_crop_box(box, margin))
    interpolation = cv2.INTER_AREA if min(gray.shape) > INPUT_SIZE else cv2.INTER_LINEAR
    return cv2.resize(gray, (INPUT_SIZE, INPUT_SIZE), interpolation=interpolation)
