"""Photo in, faces with expression probabilities out: the one pipeline the app, REST, CLI and benchmarks share."""

import threading
from pathlib import Path

import numpy as np
from PIL import Image

from emotion.classifier import Classifier
from emotion.detector import FaceDetector
from emotion.explain import occlusion_map
from emotion.identity import FaceRecognizer
from emotion.images import photo_scale, to_rgb_array
from emotion.labels import CLASSES
from emotion.preprocess import FACE_MARGIN, INPUT_SIZE, Box, Landmarks, prepare_face, square_crop_box, to_gray
from emotion.reliability import signals_of, warnings_for
from emotion.results import FaceResult, scores_of


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
        """Load a .keras model (default: assets/model.keras) and its model card if one sits beside it."""
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
        """Every face in the photo, largest first; [] when none is found.

        whole_image=True skips detection and classifies the whole photo as one face (for photos
        that are already a cropped face, like FER2013's). Boxes and landmarks are in the original photo's
        pixels, also when open_image reduced a large one.
        """
        scale = photo_scale(image)
        return [face.scaled(scale) for face in self.predict_pixels(to_rgb_array(image), whole_image)]

    def predict_many(self, images: list[Image.Image | np.ndarray]) -> list[list[FaceResult]]:
        """predict for several photos, their faces classified in one batch (what batch analysis uses)."""
        found = [self.found_faces(to_rgb_array(image), whole_image=False) for image in images]
        crops = [crop for faces in found for crop in faces[3]]
        probabilities = iter(self.classify(np.stack(crops)) if crops else [])
        return [
            [face.scaled(photo_scale(image)) for face in self.results(*faces, [next(probabilities) for _ in faces[0]])]
            for image, faces in zip(images, found, strict=True)
        ]

    def predict_pixels(self, rgb: np.ndarray, whole_image: bool) -> list[FaceResult]:
        """predict's faces in `rgb`'s own pixels."""
        boxes, detector_scores, landmarks, crops, gray = self.found_faces(rgb, whole_image)
        probabilities = self.classify(np.stack(crops)) if crops else []
        return self.results(boxes, detector_scores, landmarks, crops, gray, probabilities)

    def found_faces(self, rgb: np.ndarray, whole_image: bool) -> tuple[list, list, list, list, np.ndarray]:
        """Each face's box, detector score, landmarks and 48x48 crop, and the photo in gray."""
        height, width = rgb.shape[:2]
        gray = to_gray(rgb)  # once per photo: every face's crop and sharpness start from it
        if whole_image:
            boxes, detector_scores, landmarks = [(0, 0, width, height)], [None], [None]
        else:
            detections = self.detector.detect(rgb)
            boxes = [d.box for d in detections]
            detector_scores = [d.score for d in detections]
            landmarks = [d.landmarks for d in detections]
        crops = [self.face_crop(gray, box, marks) for box, marks in zip(boxes, landmarks, strict=True)]
        return boxes, detector_scores, landmarks, crops, gray

    @staticmethod
    def results(
        boxes: list, detector_scores: list, landmarks: list, crops: list, gray: np.ndarray, probabilities
    ) -> list[FaceResult]:
        """The faces' answers from found_faces and their probabilities."""
        return [
            FaceResult(
                box,
                scores_of(p),
                CLASSES[int(np.argmax(p))],
                detector_score,
                marks,
                warnings_for(signals_of(gray, box, marks, p)),
            )
            for box, p, detector_score, marks in zip(boxes, probabilities, detector_scores, landmarks, strict=True)
        ]

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
