"""Facial-expression recognition: find every face in a photo and score the seven FER2013 expressions."""

from emotion.drawing import draw_faces
from emotion.images import ImageError, open_image
from emotion.labels import CLASSES
from emotion.predictor import FaceResult, Predictor

__all__ = ["CLASSES", "FaceResult", "ImageError", "Predictor", "draw_faces", "open_image"]
