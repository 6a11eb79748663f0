"""Photo in, faces with expression probabilities out: the one pipeline the app, REST, CLI and benchmarks share."""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from emotion.detector import FaceDetector
from emotion.explain import occlusion_map
from emotion.images import to_rgb_array
from emotion.labels import CLASSES
from emotion.layers import HorizontalFlip  # noqa: F401  (registered, so load_model can rebuild ensembles)
from emotion.preprocess import FACE_MARGIN, INPUT_SIZE, Box, Landmarks, prepare_face, square_crop_box, to_gray
from emotion.reliability import signals_of, warnings_for

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_MODEL_PATH = ASSETS / "model.keras"
BATCH_SIZE = 256
# A model has one softmax head per label set it learnt (train.model). The app serves the FER+ head where
# there is one: it learnt the ten-annotator vote shares, so a bar reads "the share of people who would
# see this expression in this face".
SERVED_HEAD = "ferplus"


def served_head_of(heads: tuple[str, ...]) -> str:
    """The head the app serves from a model with these heads."""
    return SERVED_HEAD if SERVED_HEAD in heads else heads[0]


@dataclass(frozen=True)
class FaceResult:
    box: Box  # x, y, width, height in the original photo's pixels
    scores: dict[str, float]  # class -> probability, in emotion.CLASSES order, summing to 1
    label: str  # the most probable class
    confidence: float | None  # the detector's confidence; None when the whole image was classified
    landmarks: Landmarks | None = None  # eyes, nose tip, mouth corners in the photo's pixels; None for a whole image
    warnings: tuple[str, ...] = ()  # plain reasons the answer may be unreliable (emotion.reliability)

    def to_dict(self) -> dict:
        landmarks = [list(point) for point in self.landmarks] if self.landmarks else None
        return asdict(self) | {"box": list(self.box), "landmarks": landmarks, "warnings": list(self.warnings)}


def scores_of(probabilities: np.ndarray) -> dict[str, float]:
    return {name: float(p) for name, p in zip(CLASSES, probabilities, strict=True)}


class Predictor:
    """Holds the model and the face detector, loaded once; safe to call from several threads."""

    def __init__(self, model: keras.Model, detector: FaceDetector | None = None, model_card: dict | None = None):
        self.model = model
        self.detector = detector or FaceDetector()
        self.model_card = model_card or {}
        self.heads = tuple(model.output_names)
        self.served_head = served_head_of(self.heads)
        self._infer = tf.function(
            lambda faces: model(faces, training=False),
            input_signature=[tf.TensorSpec([None, INPUT_SIZE, INPUT_SIZE, 1], tf.float32)],
        )
        self.classify(np.zeros((1, INPUT_SIZE, INPUT_SIZE), np.uint8))  # warm-up: traces the graph once

    @classmethod
    def load(cls, model_path: Path | str | None = None) -> "Predictor":
        """Load a .keras model (default: assets/model.keras) and its model card if one sits beside it."""
        path = Path(model_path) if model_path else DEFAULT_MODEL_PATH
        if not path.is_file():
            raise FileNotFoundError(f"No model at {path}: train one with `python -m train fit` or pass model_path")
        card_path = path.with_name("model_card.json")
        card = json.loads(card_path.read_text()) if card_path.is_file() else {}
        model = keras.saving.load_model(path, compile=False)
        return cls(model, model_card=card)

    def classify(self, faces: np.ndarray | list, head: str | None = None) -> np.ndarray:
        """Probabilities (N, 7) float32 for face crops: a uint8 (N, H, W) gray array or a list of crops.

        `head` picks a label set's head (see self.heads); the default is the served one.
        """
        return self.classify_heads(faces)[head or self.served_head]

    def classify_heads(self, faces: np.ndarray | list) -> dict[str, np.ndarray]:
        """Every head's probabilities (N, 7) float32, from one pass through the model (see classify)."""
        if isinstance(faces, np.ndarray) and faces.ndim == 3 and faces.dtype == np.uint8:
            if faces.shape[1:] == (INPUT_SIZE, INPUT_SIZE):
                batch = faces
            else:
                batch = np.stack([prepare_face(face) for face in faces])
        else:
            batch = np.stack([prepare_face(to_rgb_array(face)) for face in faces]) if len(faces) else \
                np.zeros((0, INPUT_SIZE, INPUT_SIZE), np.uint8)
        outputs = [self._infer(tf.constant(batch[start:start + BATCH_SIZE, :, :, None], tf.float32))
                   for start in range(0, len(batch), BATCH_SIZE)]
        return {head: np.concatenate([output[head].numpy() for output in outputs]).astype(np.float32) if outputs
                else np.zeros((0, len(CLASSES)), np.float32) for head in self.heads}

    def predict(self, image: Image.Image | np.ndarray, whole_image: bool = False) -> list[FaceResult]:
        """Every face in the photo, largest first; [] when none is found.

        whole_image=True skips detection and classifies the whole photo as one face (for photos
        that are already a cropped face, like FER2013's).
        """
        rgb = to_rgb_array(image)
        height, width = rgb.shape[:2]
        if whole_image:
            boxes, confidences, landmarks = [(0, 0, width, height)], [None], [None]
        else:
            detections = self.detector.detect(rgb)
            if not detections:
                return []
            boxes = [d.box for d in detections]
            confidences = [d.confidence for d in detections]
            landmarks = [d.landmarks for d in detections]
        gray = to_gray(rgb)  # once per photo: every face's crop and sharpness start from it
        crops = np.stack([self.face_crop(gray, box, marks) for box, marks in zip(boxes, landmarks, strict=True)])
        probabilities = self.classify(crops)
        return [
            FaceResult(box, scores_of(p), CLASSES[int(np.argmax(p))], confidence, marks,
                       warnings_for(signals_of(gray, box, marks, p)))
            for box, p, confidence, marks in zip(boxes, probabilities, confidences, landmarks, strict=True)
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
