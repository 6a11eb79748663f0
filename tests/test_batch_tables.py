"""Batch's tables without a cluster: an actor's rows (emotion.batch.actor) written as parts and read back
(emotion.batch.tables), with the one row layout of emotion.results, and what a rerun knows is done."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from emotion.batch.actor import analyse_files
from emotion.batch.tables import FILE_COLUMNS, PartWriter, done_files, file_rows
from emotion.images import open_image
from emotion.results import FACE_COLUMNS, SAMPLE_COLUMNS
from harness.clips import write_clip


@pytest.fixture(scope="module")
def analysed(tmp_path_factory, predictor, astronaut, no_face) -> tuple[list[dict], dict]:
    """An actor's rows for a photo with a face, one with none, an empty file and a clip."""
    folder = tmp_path_factory.mktemp("files")
    paths = {
        "face": folder / "astronaut.jpg",
        "none": folder / "pattern.png",
        "empty": folder / "empty.jpg",
        "clip": folder / "clip.mp4",
    }
    Image.fromarray(astronaut).save(paths["face"])
    Image.fromarray(no_face).save(paths["none"])
    paths["empty"].write_bytes(b"")
    write_clip(paths["clip"], [np.asarray(Image.fromarray(astronaut).resize((256, 256)))] * 6, fps=5)
    sources = [
        {"file": str(path), "kind": "clip" if name == "clip" else "photo", "size": path.stat().st_size, "mtime": 1.0}
        for name, path in paths.items()
    ]
    return analyse_files(predictor, sources), paths


@pytest.mark.parametrize("output_format", ["parquet", "csv", "jsonl"])
def test_parts_read_back_as_three_tables_in_the_row_layout(analysed, tmp_path, predictor, output_format):
    rows, paths = analysed
    writer = PartWriter(tmp_path, output_format)
    writer.write(pd.DataFrame(rows[:2]))  # two tasks: photos, then the empty file and the clip
    writer.write(pd.DataFrame(rows[2:]))
    faces, samples, files = (file_rows(tmp_path, output_format, table) for table in ("faces", "clip_samples", "files"))
    assert tuple(faces.columns) == ("file", *FACE_COLUMNS) and tuple(samples.columns) == ("file", *SAMPLE_COLUMNS)
    assert tuple(files.columns) == FILE_COLUMNS
    statuses = dict(zip(files["file"], files["status"], strict=True))
    assert statuses == {
        str(paths["face"]): "ok",
        str(paths["none"]): "no face",
        str(paths["empty"]): "The file is empty.",
        str(paths["clip"]): "ok",
    }
    expected = predictor.predict(open_image(paths["face"]))
    assert list(faces["file"]) == [str(paths["face"])] * len(expected)
    first = faces.iloc[0]
    assert (first["x"], first["y"], first["width"], first["height"]) == expected[0].box
    assert first["label"] == expected[0].label
    assert first["probability"] == pytest.approx(expected[0].scores[expected[0].label], abs=1e-6)
    assert len(samples) >= 5 and set(samples["file"]) == {str(paths["clip"])}
    assert done_files(tmp_path, output_format) == {(row["file"], row["size"], 1.0) for row in rows}


def test_a_task_whose_files_part_is_missing_is_not_done_and_its_parts_go(analysed, tmp_path):
    rows, _ = analysed
    PartWriter(tmp_path, "parquet").write(pd.DataFrame(rows[:1]))
    finished = next((tmp_path / "files.parquet").glob("part-*"))
    finished.unlink()  # as if the run stopped between the faces part and the files part
    assert done_files(tmp_path, "parquet") == set()
    assert not list((tmp_path / "faces.parquet").glob("part-*"))
