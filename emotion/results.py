"""What the pipeline answers, and nothing that computes it: a photo's faces (FaceResult), a clip's people
(ClipResult), and the one row layout of each for every table (the page's and REST's CSV, batch's tables).
Drawing, tracking, the app, the command line and batch read these without importing the model.

Words, the same everywhere (page, REST, CSV, CLI, README): a face's `label` is its most probable expression,
an expression's `probability` is its bar (`scores` holds all seven), and `detector_score` is how sure the face
detector is that there is a face at all.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from emotion.labels import CLASSES

Box = tuple[int, int, int, int]  # x, y, width, height in photo pixels
Landmarks = tuple[tuple[int, int], ...]  # right eye, left eye (as seen in the photo: left, right), nose, mouth
WARNING_SEPARATOR = "; "  # a face's warnings in one table cell


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


@dataclass(frozen=True)
class Sample:
    time: float  # seconds from the clip's start
    box: Box  # x, y, width, height in the clip's pixels
    label: str  # the most probable class after smoothing
    scores: dict[str, float]  # smoothed probabilities, emotion.CLASSES order


@dataclass
class Person:
    id: int  # the tracker's number: kept while the face stays in view
    first_seen: float
    last_seen: float
    samples: list[Sample] = field(default_factory=list)


@dataclass
class ClipResult:
    duration: float  # seconds of clip read
    sample_rate: float  # frames analysed per second
    faces: list[Person]  # one per person followed, in order of first appearance

    def to_dict(self) -> dict:
        return {
            "duration": self.duration,
            "sample_rate": self.sample_rate,
            "faces": [
                asdict(person) | {"samples": [asdict(sample) | {"box": list(sample.box)} for sample in person.samples]}
                for person in self.faces
            ],
        }


# One row a face of a photo, one row a sampled face of a clip: the columns of every table that holds them.
FACE_COLUMNS = ("face", "label", "probability", "x", "y", "width", "height", "detector_score", "warnings", *CLASSES)
SAMPLE_COLUMNS = ("person", "time", "label", "probability", "x", "y", "width", "height", *CLASSES)


def face_rows(faces: list[FaceResult], numbers: Iterable[int] | None = None) -> list[dict]:
    """The faces as FACE_COLUMNS rows, numbered 1, 2, ... (largest first) unless `numbers` says otherwise."""
    return [
        {
            "face": number,
            "label": face.label,
            "probability": face.scores[face.label],
            **dict(zip(("x", "y", "width", "height"), face.box, strict=True)),
            "detector_score": face.detector_score,
            "warnings": WARNING_SEPARATOR.join(face.warnings),
            **face.scores,
        }
        for number, face in zip(numbers or range(1, len(faces) + 1), faces, strict=True)
    ]


def sample_rows(result: ClipResult) -> list[dict]:
    """The clip's samples as SAMPLE_COLUMNS rows, person by person."""
    return [
        {
            "person": person.id,
            "time": sample.time,
            "label": sample.label,
            "probability": sample.scores[sample.label],
            **dict(zip(("x", "y", "width", "height"), sample.box, strict=True)),
            **sample.scores,
        }
        for person in result.faces
        for sample in person.samples
    ]


def csv_text(columns: tuple[str, ...], rows: list[dict]) -> str:
    """Rows as CSV under `columns`, probabilities rounded to 4 digits; a missing value is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([round(value, 4) if isinstance(value, float) else value for value in map(row.get, columns)])
    return buffer.getvalue()
