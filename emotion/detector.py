"""Face detection with YuNet (OpenCV model zoo, MIT) through OpenCV's own `cv2.FaceDetectorYN`.

The weights ship in assets/ (see assets/README.md for their source, licence and sha256), so nothing is
downloaded at run time and the detector installs wherever opencv-python does.
"""

import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from emotion.limits import ASSETS
from emotion.results import Box

YUNET_WEIGHTS = ASSETS / "face_detection_yunet_2026may.onnx"
NMS_THRESHOLD = 0.3  # the model zoo's default
TOP_K = 5000  # candidates kept before non-maximum suppression (the model zoo's default)


@dataclass(frozen=True)
class Detection:
    box: Box  # x, y, width, height in the photo's pixels
    score: float  # 0..1: how sure the detector is that this is a face
    landmarks: tuple[tuple[int, int], ...]  # right eye, left eye, nose tip, mouth corners, in the photo's pixels
    outside: float = 0.0  # the share of the face's box beyond the photo's edges (found thanks to the border)


class FaceDetector:
    """Finds faces in an RGB photo.

    The photo is scaled so that its longest side is `detect_side` pixels (shrunk for speed; small
    photos, often a face crop already, are enlarged so their face is in YuNet's size range) and framed
    with a black border of `border` times that side, so that faces cut by the photo's edge are still
    found (enlarge=False only ever shrinks: bench.detector compares the two). Faces scoring below
    `min_score` are dropped: chosen from faces found on photos-dev and false faces on face-free
    images together (`python -m bench.detector`, docs/pipeline.md "Face detector").
    """

    def __init__(
        self,
        detect_side: int = 320,
        border: float = 0.1,
        min_score: float = 0.6,
        enlarge: bool = True,
        weights: Path = YUNET_WEIGHTS,
    ):
        self.detect_side = detect_side
        self.enlarge = enlarge
        self.border = border
        self.min_score = min_score
        self._yunet = cv2.FaceDetectorYN.create(
            str(weights), "", (detect_side, detect_side), min_score, NMS_THRESHOLD, TOP_K
        )
        # One network object, whose input size changes per photo: one call at a time.
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """Faces largest first; [] when none scores at least min_score."""
        height, width = rgb.shape[:2]
        scale = self.detect_side / max(height, width)
        if not self.enlarge:
            scale = min(scale, 1.0)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        scaled = cv2.resize(rgb, size, interpolation=interpolation)
        pad = round(self.border * max(scaled.shape[:2]))
        bgr = cv2.copyMakeBorder(scaled[:, :, ::-1], pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(0, 0, 0))
        with self._lock:
            self._yunet.setInputSize((bgr.shape[1], bgr.shape[0]))
            _, raw = self._yunet.detect(bgr)
        if raw is None:
            return []

        def to_photo(value: float, limit: int) -> int:
            return int(np.clip(round((float(value) - pad) / scale), 0, limit))

        detections = []
        for row in raw:
            x, y, w, h = row[:4]
            left, top = to_photo(x, width), to_photo(y, height)
            right, bottom = to_photo(x + w, width), to_photo(y + h, height)
            if right - left < 2 or bottom - top < 2:
                continue
            marks = tuple((to_photo(px, width), to_photo(py, height)) for px, py in row[4:14].reshape(-1, 2))
            outside = 1 - (right - left) * (bottom - top) / max(float(w * h) / scale**2, 1.0)
            detections.append(
                Detection((left, top, right - left, bottom - top), float(row[14]), marks, round(max(0.0, outside), 3))
            )
        detections.sort(key=lambda d: d.box[2] * d.box[3], reverse=True)
        return detections
