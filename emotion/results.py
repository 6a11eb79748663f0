"""What the pipeline answers for a face, and nothing that computes it: drawing, tracking and the REST and
CLI code read these without importing the model."""

from dataclasses import asdict, dataclass, replace

import numpy as np

from emotion.labels import CLASSES
from emotion.preprocess import Box, Landmarks


@dataclass(frozen=True)
class FaceResult:
    box: Box  # x, y, width, height in the original photo's pixels
    scores: dict[str, float]  # expression -> its probability, in emotion.CLASSES order, summing to 1
    label: str  # the most probable expression
    detector_score: float | None  # how sure the detector is that this is a face; None for a whole image
    landmarks: Landmarks | None = None  # eyes, nose tip, mouth corners in the photo's pixels; None for a whole image
    warnings: tuple[str, ...] = ()  # plain reasons the answer may be unreliable (emotion.reliability)

    def scaled(self, factor: float) -> "FaceResult":
        """The same face with its box and landmarks in pixels `factor` times as large."""
        if factor == 1.0:
            return self
        box = tuple(round(value * factor) for value in self.box)
        landmarks = tuple((round(x * factor), round(y * factor)) for x, y in self.landmarks) if self.landmarks else None
        return replace(self, box=box, landmarks=landmarks)

    def to_dict(self) -> dict:
        landmarks = [list(point) for point in self.landmarks] if self.landmarks else None
        return asdict(self) | {"box": list(self.box), "landmarks": landmarks, "warnings": list(self.warnings)}


def scores_of(probabilities: np.ndarray) -> dict[str, float]:
    """One face's probability vector as {class: probability} in CLASSES order."""
    return {name: float(p) for name, p in zip(CLASSES, probabilities, strict=True)}
