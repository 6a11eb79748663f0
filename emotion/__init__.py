"""Facial-expression recognition: find every face in a photo and score the seven FER2013 expressions."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter is not for users
# Nor are OpenCV's warnings when it probes a file that is not a clip, or FFmpeg's about a damaged one: a bad
# clip gets its own message (emotion.video). Read when cv2 is first imported, so set here.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

from emotion.classifier import Classifier  # noqa: E402
from emotion.drawing import draw_faces  # noqa: E402
from emotion.images import ImageError, open_image  # noqa: E402
from emotion.labels import CLASSES  # noqa: E402
from emotion.predictor import Predictor  # noqa: E402
from emotion.results import FaceResult  # noqa: E402

__all__ = ["CLASSES", "Classifier", "FaceResult", "ImageError", "Predictor", "draw_faces", "open_image"]
