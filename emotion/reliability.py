"""Plain reasons why one face's answer may be unreliable, from what the pipeline already has.

Six signals, each a number with a threshold, and whether the detector found a face at all (whole-image mode); a
face gets a warning for each threshold it crosses.
The thresholds were chosen on the training half of photos-dev by how much accuracy drops past them,
and are reported on its held-out half (`python -m bench.reliability ../shared/photos-dev`, docs/pipeline.md
"Warnings").
"""

from dataclasses import dataclass

import cv2
import numpy as np

from emotion.preprocess import crop, square_crop_box, to_gray
from emotion.results import Box, Landmarks

SHARPNESS_SIDE = 64  # faces are compared for sharpness at one size
FRONTAL_EYES = 0.38  # the eyes' height in the detector's box (0 top, 1 bottom): photos-dev's median face
PITCH_LIMIT = 0.06  # about photos-dev's 98th percentile of the distance from it (bench.reliability)
OUTSIDE_LIMIT = 0.2  # about photos-dev's 98th percentile: its photos are close crops (bench.reliability)
NO_FACE_DETECTED = "no face detected in the picture"  # whole-image mode's warning, which the page also words


@dataclass(frozen=True)
class Thresholds:
    smallest_face_px: int = 32  # the box's shorter side in photo pixels
    least_sharpness: float = 0.089  # mean |Laplacian| / contrast of the face at SHARPNESS_SIDE px
    most_turn: float = 0.4  # nose offset from the eyes' midpoint, in eye distances
    most_pitch: float = PITCH_LIMIT  # how far the eyes sit from their frontal height in the box
    least_margin: float = 0.05  # gap between the two most probable expressions
    most_outside: float = OUTSIDE_LIMIT  # the share of the face's box beyond the photo's edges


@dataclass(frozen=True)
class Signals:
    face_px: int
    sharpness: float
    turn: float | None  # None without landmarks (whole-image mode)
    margin: float
    pitch: float | None = None  # the eyes' height in the box less FRONTAL_EYES (pitch); None without landmarks
    outside: float = 0.0
    edges: tuple[bool, bool] = (False, False)  # whether the box reaches the photo's top, its bottom
    face_detected: bool = True  # False: whole-image mode on a picture where the detector found no face


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


def pitch(box: Box, landmarks: Landmarks) -> float:
    """How far the head is bowed (> 0) or raised (< 0): the eyes' height in the detector's box less FRONTAL_EYES
    (a bowed head shows more of its crown above the eyes, a raised one more chin below). The landmarks' own
    proportions hardly change with pitch, where the box, drawn round the whole head, does. A face cut by the
    photo's top or bottom edge moves its eyes in the box the same way: warnings_for tells the two apart."""
    (_, right_y), (_, left_y) = landmarks[:2]
    return ((right_y + left_y) / 2 - box[1]) / max(box[3], 1) - FRONTAL_EYES


def signals_of(
    image: np.ndarray,
    box: Box,
    landmarks: Landmarks | None,
    probabilities: np.ndarray,
    outside: float = 0.0,
    face_detected: bool = True,
) -> Signals:
    """The signals of one face in an RGB or gray photo (pass the gray one to convert it only once)."""
    top_two = np.sort(probabilities)[-2:]
    return Signals(
        face_px=int(min(box[2], box[3])),
        sharpness=sharpness(to_gray(image), box),
        turn=turn(landmarks) if landmarks is not None else None,
        margin=float(top_two[1] - top_two[0]),
        pitch=pitch(box, landmarks) if landmarks is not None else None,
        outside=outside,
        edges=(box[1] <= 1, box[1] + box[3] >= image.shape[0] - 1),
        face_detected=face_detected,
    )


def warnings_for(signals: Signals, thresholds: Thresholds = Thresholds()) -> tuple[str, ...]:
    """Short reasons, in a fixed order; empty when none applies."""
    reasons = []
    if not signals.face_detected:
        reasons.append(NO_FACE_DETECTED)
    at_top, at_bottom = signals.edges
    bowed = signals.pitch is not None and abs(signals.pitch) > thresholds.most_pitch
    # eyes high in a box that the top edge cut (or low in one the bottom cut): the face is cut, not raised
    cut_by_edge = bowed and ((at_top and signals.pitch < 0) or (at_bottom and signals.pitch > 0))
    if signals.outside > thresholds.most_outside or cut_by_edge:
        reasons.append("face cut off by the edge")
    if signals.face_px < thresholds.smallest_face_px:
        reasons.append(f"small face ({signals.face_px} px)")
    if signals.sharpness < thresholds.least_sharpness:
        reasons.append("blurred")
    if signals.turn is not None and signals.turn > thresholds.most_turn:
        reasons.append("head turned")
    if bowed and not cut_by_edge:
        reasons.append("head bowed or raised")
    if signals.margin < thresholds.least_margin:
        reasons.append("uncertain: top two expressions close")
    return tuple(reasons)
