"""Face detection with libfacedetection's YuNet CNN (the library the `yuface` package ships, weights compiled in).

Chosen over OpenCV's Haar cascade (gone from opencv-python 5.x; 74% found on photos-dev) and
MTCNN (94%, 136 ms a photo): see README "Face detector" for the measurements.

The library is called through ctypes rather than `yuface.detect`: yuface's binding allocates libfacedetection's
36 KB result buffer on every call and never frees it (a server grew 37 MB per 1,000 photos). Here one buffer,
owned by the detector, is reused; the results are identical (checked on 300 photos-dev photos).
"""

import ctypes
import os
import threading
from dataclasses import dataclass
from pathlib import Path

# yuface runs its CNN with OpenMP. With the default (one thread per core) it spins against
# TensorFlow's own threads and a photo takes several times longer; one thread is faster here.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import yuface  # noqa: E402

from emotion.preprocess import Box  # noqa: E402

_LIBRARY = ctypes.CDLL(str(Path(yuface.__file__).parent / "libfacedetection.so"))
# int* facedetect_cnn(unsigned char* result_buffer, unsigned char* bgr_image, int width, int height, int step)
_facedetect_cnn = _LIBRARY._Z14facedetect_cnnPhS_iii
_facedetect_cnn.restype = ctypes.POINTER(ctypes.c_int)
_facedetect_cnn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int]
RESULT_BUFFER_BYTES = 0x9000  # libfacedetection's DETECT_BUFFER_SIZE
RESULT_COLUMNS = 16  # per face, int16: confidence 0..100, x, y, w, h, five landmark (x, y) pairs, unused


def run_yunet(bgr: np.ndarray, result_buffer: np.ndarray) -> np.ndarray:
    """Raw detections (N, 15) int16 for a contiguous uint8 BGR image; result_buffer is reused, not kept."""
    height, width = bgr.shape[:2]
    count = _facedetect_cnn(result_buffer.ctypes.data, bgr.ctypes.data, width, height, bgr.strides[0])
    faces = count[0] if count else 0
    raw = np.frombuffer(result_buffer, dtype=np.int16, count=RESULT_COLUMNS * faces, offset=4)
    return raw.reshape(faces, RESULT_COLUMNS)[:, :15].copy()


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
        self._lock = threading.Lock()  # the native detector is not documented as thread-safe; guards the buffer
        self._result_buffer = np.zeros(RESULT_BUFFER_BYTES, np.uint8)

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
            raw = run_yunet(bgr, self._result_buffer)
        raw = raw[raw[:, 0] > self.min_confidence * 100]
        confidences, boxes, landmarks = raw[:, 0], raw[:, 1:5], raw[:, 5:15]

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
