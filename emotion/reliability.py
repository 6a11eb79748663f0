"""Plain reasons why one face's answer may be unreliable, from what the pipeline already has.

Four signals, each a number with a threshold; a face gets a warning for each threshold it crosses.
The thresholds were chosen on the training half of photos-dev by how much accuracy drops past them,
and are reported on its held-out half (`python -m bench.reliability ../shared/photos-dev`, README
"Warnings").
"""

from dataclasses import dataclass

import cv2
import numpy as np

from emotion.preprocess import Box, Landmarks, crop, square_crop_box, to_gray

SHARPNESS_SIDE = 64  # faces are compared for sharpness at one size


@dataclass(frozen=True)
class Thresholds:
    smallest_face_px: int = 32  # the box's shorter side in photo pixels
    least_sharpness: float = 0.089  # mean |Laplacian| / contrast of the face at SHARPNESS_SIDE px
    most_turn: float = 0.4  # nose offset from the eyes' midpoint, in eye distances
    least_margin: float = 0.05  # gap between the two most probable expressions


@dataclass(frozen=True)
class Signals:
    face_px: int
    sharpness: float
    turn: float | None  # None without landmarks (whole-image mode)
    margin: float


def sharpness(gray: np.ndarray, box: Box) -> float:
    """Mean absolute Laplacian of the face (square around the box) at SHARPNESS_SIDE px, over its standard
    deviation: detail relative to contrast, so lighting does not count as blur."""
    face = crop(gray, square_crop_box(box, 0.0))
    # INTER_AREA only for shrinking: enlarging with it repeats pixels, and their steps would read as detail.
    interpolation = cv2.INTER_AREA if face.shape[0] > SHARPNESS_SIDE else cv2.INTER_LINEAR
    face = cv2.resize(face, (SHARPNESS_SIDE, SHARPNESS_SIDE), interpolation=interpolation).astype(np.float32)
    contrast = float(face.std())
    if contrast < 1:
        return 0.0
    return float(np.abs(cv2.Laplacian(face, cv2.CV_32F)).mean() / contrast)


def turn(landmarks: Landmarks) -> float:
    """How far the head is turned sideways: the nose tip's horizontal offset from the eyes' midpoint in
    units of the distance between the eyes (about 0 for a frontal face)."""
    (right_x, right_y), (left_x, left_y), (nose_x, nose_y) = landmarks[:3]
    eye_distance = max(float(np.hypot(left_x - right_x, left_y - right_y)), 1.0)
    return abs(nose_x - (right_x + left_x) / 2) / eye_distance


def signals_of(image: np.ndarray, box: Box, landmarks: Landmarks | None, probabilities: np.ndarray) -> Signals:
    """The four signals of one face in an RGB or gray photo (pass the gray one to convert it only once)."""
    top_two = np.sort(probabilities)[-2:]
    return Signals(
        face_px=int(min(box[2], box[3])),
        sharpness=sharpness(to_gray(image), box),
        turn=turn(landmarks) if landmarks is not None else None,
        margin=float(top_two[1] - top_two[0]),
    )


def warnings_for(signals: Signals, thresholds: Thresholds = Thresholds()) -> tuple[str, ...]:
    """Short reasons, in a fixed order; empty when none applies."""
    reasons = []
    if signals.face_px < thresholds.smallest_face_px:
        reasons.append(f"small face ({signals.face_px} px)")
    if signals.sharpness < thresholds.least_sharpness:
        reasons.append("blurred")
    if signals.turn is not None and signals.turn > thresholds.most_turn:
        reasons.append("head turned")
    if signals.margin < thresholds.least_margin:
        reasons.append("uncertain: top two expressions close")
    return tuple(reasons)
