"""The faces table and its CSV share one definition of the columns, with the project's words."""

import csv

import pytest

from emotion import CLASSES, FaceResult
from emotion.table import CSV_HEADER, TABLE_HEADERS, csv_text, table_row


def face(label: str, detector_score: float | None, warnings: tuple[str, ...] = ()) -> FaceResult:
    scores = {name: (0.7 if name == label else 0.05) for name in CLASSES}
    return FaceResult((10, 20, 30, 40), scores, label, detector_score, None, warnings)


def test_the_table_shows_each_face_s_label_and_its_probability():
    assert TABLE_HEADERS[1:3] == ["expression", "probability"]
    assert table_row(2, face("sad", 0.91, ("blurred", "head turned"))) == [2, "sad", "70%", "blurred; head turned"]
    assert len(TABLE_HEADERS) == len(table_row(1, face("happy", 0.5)))


def test_csv_has_a_row_per_face_with_both_scores_named_apart():
    rows = list(
        csv.DictReader(
            csv_text(
                [face("happy", 0.9123456), face("fear", None, ('quote "me", please',))], numbers=[3, 7]
            ).splitlines()
        )
    )
    assert list(rows[0]) == CSV_HEADER and [row["face"] for row in rows] == ["3", "7"]
    assert rows[0]["label"] == "happy" and float(rows[0]["probability"]) == pytest.approx(0.7)
    assert rows[0]["detector_score"] == "0.9123" and rows[1]["detector_score"] == ""  # none for a whole image
    assert rows[1]["warnings"] == 'quote "me", please' and float(rows[1]["fear"]) == pytest.approx(0.7)
    assert (rows[0]["x"], rows[0]["height"]) == ("10", "40")
    assert csv_text([]) == ",".join(CSV_HEADER) + "\n"
