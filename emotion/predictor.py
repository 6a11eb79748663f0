"""Photo in, faces with expression probabilities out: the one pipeline the app, REST, CLI and benchmarks share."""

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from emotion.classifier import Classifier
from emotion.detector import FaceDetector
from emotion.explain import occlusion_map
from emotion.identity import FaceRecognizer
from emotion.images import photo_scale, to_rgb_array
from emotion.labels import CLASSES
from emotion.limits import MAX_FACES
from emotion.preprocess import FACE_MARGIN, INPUT_SIZE, prepare_face, square_crop_box, to_gray
from emotion.reliability import signals_of, warnings_for
from emotion.results import Box, FaceResult, Landmarks, scores_of


class Predictor:
    """The classifier and the face detector, loaded once; safe to call from several threads."""

    def __init__(self, classifier: Classifier, detector: FaceDetector | None = None):
        self.classifier = classifier
        self.detector = detector or FaceDetector()
        self._recognizer: FaceRecognizer | None = None
        self._recognizer_lock = threading.Lock()

    @property
    def recognizer(self) -> FaceRecognizer:
        """Who is who (emotion.identity), for following faces through clips and live views; loaded on first use,
        so photo-only servers never hold it."""
        with self._recognizer_lock:
            self._recognizer = self._recognizer or FaceRecognizer()
            return self._recognizer

    @classmethod
    def load(cls, model_path: Path | str | None = None) -> "Predictor":
        """Load a .tflite or .keras model (default: assets/model.tflite, served on LiteRT) and its model card if one
        sits beside it (Classifier.load)."""
        return cls(Classifier.load(model_path))

    @property
    def model_card(self) -> dict:
        return self.classifier.model_card

    @property
    def heads(self) -> tuple[str, ...]:
        return self.classifier.heads

    @property
    def served_head(self) -> str:
        return self.classifier.served_head

    def classify(self, faces: np.ndarray | list, head: str | None = None) -> np.ndarray:
        """Probabilities (N, 7) for face crops (Classifier.classify): the README's Python API."""
        return self.classifier.classify(faces, head)

    def predict(self, image: Image.Image | np.ndarray, whole_image: bool = False) -> list[FaceResult]:
        """Every face in the photo, largest first, at most MAX_FACES (the largest); [] when none is found.

        whole_image=True skips detection and classifies the whole photo as one face (for photos
        that are already a cropped face, like FER2013's). Boxes and landmarks are in the original photo's
        pixels, also when open_image reduced a large one.
        """
        scale = photo_scale(image)
        return [face.scaled(scale) for face in self.predict_pixels(to_rgb_array(image), whole_image)]

    def predict_many(self, images: list[Image.Image | np.ndarray]) -> list[list[FaceResult]]:
        """predict for several photos, their faces classified in one batch (what batch analysis uses)."""
        found = [self.found_faces(to_rgb_array(image), whole_image=False) for image in images]
        crops = [crop for faces in found for crop in faces.crops]
        probabilities = iter(self.classify(np.stack(crops)) if crops else [])
        return [
            [face.scaled(photo_scale(image)) for face in faces.results([next(probabilities) for _ in faces.boxes])]
            for image, faces in zip(images, found, strict=True)
        ]

    def predict_pixels(self, rgb: np.ndarray, whole_image: bool) -> list[FaceResult]:
        """predict's faces in `rgb`'s own pixels."""
        found = self.found_faces(rgb, whole_image)
        return found.results(self.classify(np.stack(found.crops)) if found.crops else [])

    def found_faces(self, rgb: np.ndarray, whole_image: bool) -> "Found":
        """Each face's box, detector score, landmarks and 48x48 crop, and the photo in gray. In whole-image mode
        the detector still looks, so that the answer can say when it found no face."""
        height, width = rgb.shape[:2]
        gray = to_gray(rgb)  # once per photo: every face's crop and sharpness start from it
        detections = self.detector.detect(rgb)[:MAX_FACES]  # the largest first
        if whole_image:
            found = Found([(0, 0, width, height)], [None], [None], [], gray, [0.0], bool(detections))
        else:
            found = Found(
                [d.box for d in detections],
                [d.score for d in detections],
                [d.landmarks for d in detections],
                [],
                gray,
                [d.outside for d in detections],
                True,
            )
        found.crops = [
            self.face_crop(gray, box, marks) for box, marks in zip(found.boxes, found.landmarks, strict=True)
        ]
        return found

    @staticmethod
    def face_crop(image: np.ndarray, box: Box, landmarks: Landmarks | None) -> np.ndarray:
        """The model's 48x48 input for a face of an RGB or gray photo: the whole photo when it is the box
        (whole-image mode)."""
        if landmarks is None and box == (0, 0, image.shape[1], image.shape[0]):
            return prepare_face(image)
        return prepare_face(image, box, landmarks)

    def explain(self, image: Image.Image | np.ndarray, face: FaceResult) -> np.ndarray:
        """What drove `face`'s label: a 2-D float32 map in [0, 1] over the face's box (row 0 at its top),
        by occlusion (emotion.explain). Any resolution: stretch it over the box to show it."""
        face = face.scaled(1 / photo_scale(image))
        rgb = to_rgb_array(image)
        crop = self.face_crop(rgb, face.box, face.landmarks)
        heat = occlusion_map(self.classify, crop, CLASSES.index(face.label))
        if face.landmarks is None:  # the whole photo was the face: the map covers it all
            return heat
        region_x, region_y, side, _ = square_crop_box(face.box, FACE_MARGIN)
        x, y, w, h = face.box
        scale = INPUT_SIZE / side
        left, top = round((x - region_x) * scale), round((y - region_y) * scale)
        right = max(left + 1, round((x + w - region_x) * scale))
        bottom = max(top + 1, round((y + h - region_y) * scale))
        return heat[top:bottom, left:right]


@dataclass
class Found:
    """What the detector found in one photo, before classification."""

    boxes: list[Box]
    detector_scores: list[float | None]
    landmarks: list[Landmarks | None]
    crops: list[np.ndarray]  # each face's 48x48 model input
    gray: np.ndarray  # the photo in gray
    outside: list[float]  # the share of each face's box the photo's edge cuts off
    detected: bool  # whether the detector found a face (False only in whole-image mode)

    def results(self, probabilities) -> list[FaceResult]:
        """The faces' answers, given their probabilities."""
        return [
            FaceResult(
                box,
                scores_of(p),
                CLASSES[int(np.argmax(p))],
                detector_score,
                marks,
                warnings_for(signals_of(self.gray, box, marks, p, outside, self.detected)),
            )
            for box, p, detector_score, marks, outside in zip(
                self.boxes, probabilities, self.detector_scores, self.landmarks, self.outside, strict=True
            )
        ]
