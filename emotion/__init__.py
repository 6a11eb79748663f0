"""Facial-expression recognition: find every face in a photo and score the seven FER2013 expressions.

The pipeline lives here; the web app is in emotion.app, batch analysis of archives in emotion.batch, and the
command line is `python -m emotion` (emotion.__main__). The public names below are imported on first use, so
`import emotion.results` (or labels, tracking, limits) loads neither the model's runtime nor the face detector.
"""

import importlib
import os

# OpenCV's warnings when it probes a file that is not a clip, or FFmpeg's about a damaged one, are not for users:
# a bad clip gets its own message (emotion.video). Read when cv2 is first imported, so set here.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

_HOMES = {
    "CLASSES": "emotion.labels",
    "Classifier": "emotion.classifier",
    "FaceResult": "emotion.results",
    "ImageError": "emotion.errors",
    "Predictor": "emotion.predictor",
    "draw_faces": "emotion.drawing",
    "open_image": "emotion.images",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'emotion' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
