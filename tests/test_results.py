"""A face and a clip sample each have one row layout, used by every table (CSV, batch); the page's table shows
a face with the project's words."""

import csv

import pytest

from emotion import CLASSES, FaceResult
from emotion.app.table import TABLE_HEADERS, table_row
from emotion.results import (
    FACE_COLUMNS,
    SAMPLE_COLUMNS,
    ClipResult,
    Person,
    Sample,
    csv_text,
    face_rows,
    sample_rows,
)


def face(label: str, detector_score: float | None, warnings: tuple[str, ...] = ()) -> FaceResult:
    scores = {name: (0.7 if name == label else 0.05) for name in CLASSES}
    return FaceResult((10, 20, 30, 40), scores, label, detector_score, None, warnings)


def test_the_table_shows_each_face_s_label_and_its_probability():
    assert TABLE_HEADERS[1:3] == ["expression", "probability"]
    assert table_row(2, face("sad", 0.91, ("blurred", "head turned"))) == [2, "sad", "70%", "blurred; head turned"]
    assert len(TABLE_HEADERS) == len(table_row(1, face("happy", 0.5)))


def test_csv_has_a_row_per_face_with_both_scores_named_apart():
    faces = [face("happy", 0.9123456), face("fear", None, ('quote "me", please',))]
    rows = list(csv.DictReader(csv_text(FACE_COLUMNS, face_rows(faces, numbers=[3, 7])).splitlines()))
    assert tuple(rows[0]) == FACE_COLUMNS and [row["face"] for row in rows] == ["3", "7"]
    assert rows[0]["label"] == "happy" and float(rows[0]["probability"]) == pytest.approx(0.7)
    assert rows[0]["detector_score"] == "0.9123" and rows[1]["detector_score"] == ""  # none for a whole image
    assert rows[1]["warnings"] == 'quote "me", please' and float(rows[1]["fear"]) == pytest.approx(0.7)
    assert (rows[0]["x"], rows[0]["height"]) == ("10", "40")
    assert csv_text(FACE_COLUMNS, []) == ",".join(FACE_COLUMNS) + "\n"


def test_a_clip_sample_row_has_the_face_row_s_words_and_box_columns():
    scores = {name: (0.6 if name == "surprise" else 0.4 / 6) for name in CLASSES}
    samples = [Sample(0.2, (5, 6, 7, 8), "surprise", scores), Sample(0.4, (6, 6, 7, 8), "surprise", scores)]
    result = ClipResult(1.0, 5.0, [Person(2, 0.2, 0.4, samples)])
    rows = sample_rows(result)
    assert [tuple(row) for row in rows] == [SAMPLE_COLUMNS] * 2  # every column, in the table's order
    assert rows[1]["person"] == 2 and rows[1]["time"] == 0.4
    assert (rows[0]["label"], rows[0]["probability"], rows[0]["x"], rows[0]["height"]) == ("surprise", 0.6, 5, 8)
    shared = set(SAMPLE_COLUMNS) & set(FACE_COLUMNS)
    assert {"label", "probability", "x", "y", "width", "height", *CLASSES} <= shared
