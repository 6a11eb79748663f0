"""Face crops in, each head's probabilities out: the model, its heads and batching.

The served model is a TensorFlow Lite file run by LiteRT (emotion.litert): serving imports no TensorFlow, Keras or
JAX. A Keras model (a .keras file, or one in memory) works the same where Keras is installed: training,
evaluation, ensembles and benchmarks classify arrays of faces through this on any Keras backend. The photo
pipeline (emotion.predictor) adds the detector, the crop and the warnings around it.
"""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from emotion.contract import SERVED, ModelContract, check_card, check_model
from emotion.images import to_rgb_array
from emotion.label_sets import served_head_of
from emotion.labels import CLASSES
from emotion.limits import ASSETS
from emotion.preprocess import INPUT_SIZE, prepare_face

DEFAULT_MODEL_PATH = ASSETS / "model.tflite"  # the served form of assets/model.keras (python -m train litert)
BATCH_SIZE = 256


class NeedsKeras(RuntimeError):
    """A .keras model where Keras is not installed (the app and a Space install LiteRT only)."""


def load_model(path: Path):
    """The model in a .tflite file (LiteRT) or a .keras file (Keras, which must be installed)."""
    if path.suffix == ".tflite":
        from emotion.litert import LiteRTModel

        return LiteRTModel(path)
    try:
        import emotion.layers  # noqa: F401  (registers the project's network and layers for load_model)
        from emotion.backend import keras
    except ModuleNotFoundError:
        raise NeedsKeras(
            f"{path} is a Keras model, and Keras is not installed here: install the training requirements "
            f"(pip install -r requirements-train.txt), or export it to the served form with "
            f"`python -m train litert --model {path}` and use the .tflite file"
        ) from None
    return keras.saving.load_model(path, compile=False)


def face_batch(faces: np.ndarray | list) -> np.ndarray:
    """(N, 48, 48) uint8 model input from a uint8 (N, H, W) gray array or a list of crops of any size or mode."""
    if not len(faces):
        return np.zeros((0, INPUT_SIZE, INPUT_SIZE), np.uint8)
    if isinstance(faces, np.ndarray) and faces.ndim == 3 and faces.dtype == np.uint8:
        return faces if faces.shape[1:] == (INPUT_SIZE, INPUT_SIZE) else np.stack([prepare_face(f) for f in faces])
    return np.stack([prepare_face(to_rgb_array(face)) for face in faces])


class Classifier:
    """A loaded model and its heads (one per label set it learnt, emotion.label_sets): a Keras model or
    emotion.litert.LiteRTModel; safe to call from several threads once built (the warm-up compiles Keras'
    predict function)."""

    def __init__(self, model, model_card: dict | None = None, source: str = "the model"):
        """Refuses (ContractMismatch) a model whose input or outputs do not fit its card's contract, or a card
        whose contract is not the one this code serves; without a card, this code's contract is assumed."""
        self.model = model
        self.model_card = model_card or {}
        self.heads = tuple(model.output_names)
        if "contract" in self.model_card:
            self.contract = ModelContract.from_dict(self.model_card["contract"])
            check_card(self.contract, f"{source}'s model card")
        else:
            self.contract = replace(SERVED, served_head=served_head_of(self.heads))
        fits = tuple(model.input_shape[1:]) == (INPUT_SIZE, INPUT_SIZE, 1)
        probe = self.run(np.zeros((1, INPUT_SIZE, INPUT_SIZE, 1), np.float32)) if fits else {}
        widths = {head: int(probabilities.shape[-1]) for head, probabilities in probe.items()}
        check_model(model.input_shape, widths, self.contract, source)
        self.served_head = self.contract.served_head
        self.classify(np.zeros((2, INPUT_SIZE, INPUT_SIZE), np.uint8))  # warm-up: TensorFlow traces any batch size

    @classmethod
    def load(cls, model_path: Path | str | None = None) -> "Classifier":
        """Load a .tflite or .keras model (default: assets/model.tflite) and its model card if one sits beside
        it (model_card.json)."""
        path = Path(model_path) if model_path else DEFAULT_MODEL_PATH
        if not path.is_file():
            raise FileNotFoundError(f"No model at {path}: train one with `python -m train fit` or pass model_path")
        card_path = path.with_name("model_card.json")
        card = json.loads(card_path.read_text()) if card_path.is_file() else {}
        return cls(load_model(path), card, source=str(path))

    def run(self, batch: np.ndarray) -> dict[str, np.ndarray]:
        """Each head's output for a float32 (N, 48, 48, 1) batch, straight from the model."""
        outputs = self.model.predict_on_batch(batch)
        return outputs if isinstance(outputs, dict) else {self.heads[0]: outputs}  # a one-output model: its head

    def classify(self, faces: np.ndarray | list, head: str | None = None) -> np.ndarray:
        """Probabilities (N, 7) float32 for face crops: a uint8 (N, H, W) gray array or a list of crops.

        `head` picks a label set's head (see self.heads); the default is the served one.
        """
        return self.classify_heads(faces)[head or self.served_head]

    def classify_heads(self, faces: np.ndarray | list) -> dict[str, np.ndarray]:
        """Every head's probabilities (N, 7) float32, from one pass through the model (see classify)."""
        batch = face_batch(faces)
        per_head: dict[str, list[np.ndarray]] = {head: [] for head in self.heads}
        for start in range(0, len(batch), BATCH_SIZE):
            outputs = self.run(batch[start : start + BATCH_SIZE, :, :, None].astype(np.float32))
            for head in self.heads:
                per_head[head].append(np.asarray(outputs[head], np.float32))
        return {
            head: np.concatenate(parts) if parts else np.zeros((0, len(CLASSES)), np.float32)
            for head, parts in per_head.items()
        }
