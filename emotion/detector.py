"""Face detection with libfacedetection's YuNet CNN (the `yuface` package, weights compiled in).

Chosen over OpenCV's Haar cascade (gone from opencv-python 5.x; 74% found on photos-dev) and
MTCNN (94%, 136 ms a photo): see README "Face detector" for the measurements.
"""

import os
import threading
from dataclasses import dataclass

# yuface runs its CNN with OpenMP. With the default (one thread per core) it spins against
# TensorFlow's own threads and a photo takes several times longer; one thread is faster here.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import yuface  # noqa: E402

from emotion.preprocess import Box  # noqa: E402


@dataclass(frozen=True)
class Detection:
    box: Box  # x, y, width, height in the photo's pixels
    confidence: float  # 0..1
    landmarks: tuple[tuple[int, int], ...]  # eyes, nose tip, mouth corners, in the photo's pixels


class FaceDetector:
    """Finds faces in an RGB photo.

    The photo is shrunk so that its longest side is `detect_side` pixels (detection cost grows
    with pixels, accuracy barely does) and framed with a black border of `border` times that
    side, so that faces cut by the photo's edge are still found and their boxes stay positive.
    """

    def __init__(self, detect_side: int = 320, border: float = 0.1, min_confidence: float = 0.5):
        self.detect_side = detect_side
        self.border = border
        self.min_confidence = min_confidence
        self._lock = threading.Lock()  # the native detector is not documented as thread-safe

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        height, width = rgb.shape[:2]
        scale = min(1.0, self.detect_side / max(height, width))
        small = rgb
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        pad = round(self.border * max(small.shape[:2]))
        framed = cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(0, 0, 0))
        bgr = np.ascontiguousarray(framed[:, :, ::-1])
        with self._lock:
            confidences, boxes, landmarks = yuface.detect(bgr, conf=self.min_confidence)

        def to_photo(value: float, limit: int) -> int:
            return int(np.clip(round((float(value) - pad) / scale), 0, limit))

        detections = []
        for confidence, (x, y, w, h), points in zip(confidences, boxes, landmarks, strict=True):
            left, top = to_photo(x, width), to_photo(y, height)
            right, bottom = to_photo(float(x) + float(w), width), to_photo(float(y) + float(h), height)
            if right - left < 2 or bottom - top < 2:
                continue
            marks = tuple((to_photo(px, width), to_photo(py, height)) for px, py in points.reshape(-1, 2))
            detections.append(Detection((left, top, right - left, bottom - top), float(confidence) / 100, marks))
        detections.sort(key=lambda d: d.box[2] * d.box[3], reverse=True)
        return detections
