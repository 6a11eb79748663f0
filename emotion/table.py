"""The faces of a photo as the page's table and as CSV: one definition of the columns for both.

Words, the same everywhere (page, REST, CSV, CLI, README): a face's `label` is its most probable expression,
an expression's `probability` is its bar (`scores` holds all seven), and `detector_score` is how sure the face
detector is that there is a face at all.
"""

import csv
import io

from emotion.labels import CLASSES
from emotion.results import FaceResult

# The page shows what a person reads; the boxes' pixel numbers are in the JSON and CSV downloads (and the face's
# number is drawn beside its box), which keeps the four columns readable on a phone.
TABLE_HEADERS = ["face", "expression", "probability", "warnings"]
CSV_HEADER = ["face", "label", "probability", "x", "y", "width", "height", "detector_score", "warnings", *CLASSES]


def table_row(number: int, face: FaceResult) -> list:
    """One line of the page's faces table (TABLE_HEADERS): a percentage, as the bars and the boxes show it (the
    CSV and REST keep fractions)."""
    return [number, face.label, f"{face.scores[face.label]:.0%}", "; ".join(face.warnings)]


def csv_text(faces: list[FaceResult], numbers: list[int] | None = None) -> str:
    """The faces as CSV under CSV_HEADER, numbered 1, 2, ... unless `numbers` says otherwise."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for number, face in zip(numbers or range(1, len(faces) + 1), faces, strict=True):
        score = "" if face.detector_score is None else round(face.detector_score, 4)
        writer.writerow(
            [
                number,
                face.label,
                round(face.scores[face.label], 4),
                *face.box,
                score,
                "; ".join(face.warnings),
                *(round(face.scores[name], 4) for name in CLASSES),
            ]
        )
    return buffer.getvalue()
