"""Whose face it is: SFace (OpenCV model zoo, Apache-2.0) through OpenCV's own `cv2.FaceRecognizerSF`, which
aligns a face by YuNet's five landmarks and turns it into a 128-number description; two faces of one person
describe alike (cosine similarity near 1), two people's apart. The tracker uses it so that a face keeps its
number only while it is plausibly the same person."""

import threading
from pathlib import Path

import cv2
import numpy as np

from emotion.limits import ASSETS
from emotion.results import FaceResult

SFACE_WEIGHTS = ASSETS / "face_recognition_sface_2021dec.onnx"


class FaceRecognizer:
    """Describes faces found by emotion.detector in an RGB frame; safe to call from several threads."""

    def __init__(self, weights: Path = SFACE_WEIGHTS):
        self._sface = cv2.FaceRecognizerSF.create(str(weights), "")
        self._lock = threading.Lock()  # one network object

    def describe(self, rgb: np.ndarray, faces: list[FaceResult]) -> list[np.ndarray | None]:
        """Each face's unit-length description, in the frame's own pixels; None for a face without landmarks
        (whole-image mode), which cannot be aligned."""
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        descriptions = []
        for face in faces:
            if face.landmarks is None:
                descriptions.append(None)
                continue
            row = np.array([[*face.box, *np.ravel(face.landmarks), face.detector_score or 1.0]], np.float32)
            with self._lock:
                feature = self._sface.feature(self._sface.alignCrop(bgr, row)).ravel()
            descriptions.append(feature / max(float(np.linalg.norm(feature)), 1e-9))
        return descriptions


def similarity(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    """Cosine similarity of two descriptions; None when either is missing."""
    if a is None or b is None:
        return None
    return float(np.dot(a, b))
