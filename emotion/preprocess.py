"""The one face preprocessing, shared by training (train/) and serving (emotion.Predictor).

A face becomes a 48x48 uint8 grayscale array; pixel scaling happens inside the model.
"""

import cv2
import numpy as np

from emotion.results import Box, Landmarks

INPUT_SIZE = 48
# How a detector's box becomes a crop like FER2013's faces, chosen on the training half of photos-dev
# (python -m bench.framing, docs/pipeline.md "Face framing"): the square around YuNet's box, no margin, as tight as
# FER2013's faces. Levelling the eyes gained nothing measurable (YuNet's eye landmarks follow a turned
# head only partly), so it stays off.
FACE_MARGIN = 0.0
ALIGN_EYES = False


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
    return gray[y + pad : y + pad + h, x + pad : x + pad + w]


def eye_angle(landmarks: Landmarks) -> float:
    """Degrees by which the line through the eyes (the first two landmarks) is turned from level."""
    (right_x, right_y), (left_x, left_y) = landmarks[0], landmarks[1]
    return float(np.degrees(np.arctan2(left_y - right_y, left_x - right_x)))


def rotated_crop(gray: np.ndarray, region: Box, angle: float) -> np.ndarray:
    """`region` cut out after turning the image by `angle` degrees about the region's centre (edge pixels
    repeated outside the image), at the region's own size."""
    x, y, side, _ = region
    rotation = cv2.getRotationMatrix2D((x + side / 2, y + side / 2), angle, 1.0)
    rotation[:, 2] -= (x, y)  # the region's corner becomes the output's origin
    return cv2.warpAffine(gray, rotation, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def prepare_face(
    image: np.ndarray,
    box: Box | None = None,
    landmarks: Landmarks | None = None,
    margin: float = FACE_MARGIN,
    align: bool = ALIGN_EYES,
) -> np.ndarray:
    """A face ready for the model: grayscale, cropped square around `box` (the whole image if None),
    turned so the eyes are level when `landmarks` are given and `align` is on, 48x48.

    Anything a particular model needs beyond this (pixel scaling) is a layer inside that model, so each
    model carries its own input expectations.
    """
    gray = to_gray(image)
    if box is not None:
        region = square_crop_box(box, margin)
        if align and landmarks is not None:
            gray = rotated_crop(gray, region, eye_angle(landmarks))
        else:
            gray = crop(gray, region)
    interpolation = cv2.INTER_AREA if min(gray.shape) > INPUT_SIZE else cv2.INTER_LINEAR
    return cv2.resize(gray, (INPUT_SIZE, INPUT_SIZE), interpolation=interpolation)
