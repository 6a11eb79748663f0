"""The `fer` package's photo pipeline, rebuilt: the peer that bench.compare measures this project against."""

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from emotion.images import to_rgb_array
from emotion.labels import CLASSES
from emotion.preprocess import to_gray
from emotion.results import FaceResult, scores_of

FER_PACKAGE_CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


class FerPackagePipeline:
    """The fer package's default photo pipeline, `FER().detect_emotions`, rebuilt from its source (fer 25.10.3).

    Importing fer pulls in PyTorch, moviepy and pandas, so its steps are repeated here: OpenCV's Haar
    cascade (scale 1.1, 5 neighbours, faces of 50 px and more) on the gray photo; each box made square,
    grown by 10 px on every side and cut from the photo framed by 40 px of its bottom rows' mean grey;
    64x64, its mini-Xception. Faces come back largest first, as the Predictor's do.
    """

    padding = 40
    offset = 10

    def __init__(self, classify: Callable[[np.ndarray], np.ndarray], cascade_path: Path):
        self.classify = classify
        self.detector = cv2.CascadeClassifier(str(cascade_path))

    def predict(self, image: Image.Image) -> list[FaceResult]:
        gray = to_gray(to_rgb_array(image))
        boxes = self.detector.detectMultiScale(
            gray, scaleFactor=1.1, minNeighbors=5, flags=cv2.CASCADE_SCALE_IMAGE, minSize=(50, 50)
        )
        if len(boxes) == 0:
            return []
        framed = cv2.copyMakeBorder(gray, *(self.padding,) * 4, cv2.BORDER_CONSTANT, value=cv2.mean(gray[-2:])[0])
        crops = []
        for x, y, width, height in boxes:
            side = max(width, height)
            left = x - (side - width) // 2 - self.offset + self.padding
            top = y - (side - height) // 2 - self.offset + self.padding
            reach = side + 2 * self.offset
            crop = framed[max(0, top) : top + reach, max(0, left) : left + reach]
            crops.append(cv2.resize(crop, (64, 64), interpolation=cv2.INTER_LINEAR))
        probabilities = self.classify(np.stack(crops))
        faces = [
            FaceResult(tuple(int(v) for v in box), scores_of(p), CLASSES[int(np.argmax(p))], None)
            for box, p in zip(boxes, probabilities, strict=True)
        ]
        return sorted(faces, key=lambda face: face.box[2] * face.box[3], reverse=True)
