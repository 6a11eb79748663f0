"""Facial-expression recognition: find every face in a photo and score the seven FER2013 expressions."""

import contextlib
import os
import sys
from pathlib import Path

# TensorFlow's start-up chatter on a CPU machine ("failed call to cuInit", "Could not find cuda drivers",
# oneDNN and CPU-instruction notices) reads like failures and is not for users. Level 3 keeps fatal errors;
# real faults still raise Python exceptions.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Nor are OpenCV's warnings when it probes a file that is not a clip, or FFmpeg's about a damaged one: a bad
# clip gets its own message (emotion.video). Read when cv2 is first imported, so set here.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")


@contextlib.contextmanager
def native_stderr_silenced():
    """Send what native code writes straight to file descriptor 2 to the null device for the block: TensorFlow's
    libraries print their notices while they load, before any log level applies."""
    sys.stderr.flush()
    saved = os.dup(2)
    with Path(os.devnull).open("wb") as null:
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


with native_stderr_silenced():
    import keras  # noqa: E402, F401  (loads the backend: TensorFlow's libraries, here and nowhere else)

from emotion.classifier import Classifier  # noqa: E402
from emotion.drawing import draw_faces  # noqa: E402
from emotion.images import ImageError, open_image  # noqa: E402
from emotion.labels import CLASSES  # noqa: E402
from emotion.predictor import Predictor  # noqa: E402
from emotion.results import FaceResult  # noqa: E402

__all__ = ["CLASSES", "Classifier", "FaceResult", "ImageError", "Predictor", "draw_faces", "open_image"]
