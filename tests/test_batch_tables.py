"""Batch's tables without a cluster: an actor's rows (emotion.batch.actor) written as parts and read back
(emotion.batch.tables), with the one row layout of emotion.results and each table's one schema whatever mix of
tasks wrote it, and what a rerun knows is done."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset
import pytest
from PIL import Image

from emotion.batch import OUTPUT_FORMATS
from emotion.batch.actor import analyse_files
from emotion.batch.tables import FILE_COLUMNS, SCHEMAS, PartWriter, done_files, empty_batch, file_rows
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


@pytest.fixture(scope="module")
def tasks(analysed, tmp_path_factory, predictor, no_face) -> list[pd.DataFrame]:
    """An actor's rows for every kind of task: photos only, a clip only, a clip with nobody, a failed file, and
    an empty one (what an empty archive writes)."""
    rows, _ = analysed
    nobody = tmp_path_factory.mktemp("nobody") / "nobody.mp4"
    write_clip(nobody, [no_face[:256, :256]] * 6, fps=5)
    source = {"file": str(nobody), "kind": "clip", "size": nobody.stat().st_size, "mtime": 1.0}
    by_kind = {row["status"]: row for row in rows}
    return [
        pd.DataFrame([row for row in rows if row["kind"] == "photo" and row["status"] in ("ok", "no face")]),
        pd.DataFrame([row for row in rows if row["kind"] == "clip"]),
        pd.DataFrame(analyse_files(predictor, [source])),
        pd.DataFrame([by_kind["The file is empty."]]),
        empty_batch(),
    ]


@pytest.mark.parametrize("output_format", OUTPUT_FORMATS)
def test_every_mix_of_tasks_reads_back_as_one_table_of_stated_types(tasks, tmp_path, output_format):
    first_run = PartWriter(tmp_path, output_format)
    for task in tasks[:3]:
        first_run.write(task)
    resumed = PartWriter(tmp_path, output_format)  # a second run, as a rerun that resumes writes its parts
    for task in tasks[3:]:
        resumed.write(task)
    for table, table_schema in SCHEMAS.items():
        parts = sorted((tmp_path / f"{table}.{output_format}").glob("part-*"))
        assert len(parts) == len(tasks)  # every task writes every table, rows or none
        read = file_rows(tmp_path, output_format, table)
        assert tuple(read.columns) == tuple(table_schema.names)
        if output_format == "csv":
            assert all(
                part.read_text().startswith(",".join(f'"{name}"' for name in table_schema.names)) for part in parts
            )
        if output_format == "parquet":  # the whole folder, by the readers a person uses
            assert pyarrow.dataset.dataset(tmp_path / f"{table}.parquet").to_table().schema == table_schema
            frame = pd.read_parquet(tmp_path / f"{table}.parquet")
            assert tuple(frame.columns) == tuple(table_schema.names) and len(frame) == len(read)
            for field in table_schema:
                kind = frame[field.name].dtype.kind
                assert kind == (
                    "i" if pa.types.is_integer(field.type) else "f" if pa.types.is_floating(field.type) else "O"
                ), field
    files = file_rows(tmp_path, output_format, "files")
    assert files["status"].tolist().count("no face") == 2  # the photo with none, and the clip with nobody
    assert len(file_rows(tmp_path, output_format, "clip_samples")) > 0


def test_an_empty_archive_leaves_typed_empty_tables(tmp_path):
    from emotion.batch.driver import run_batch

    (tmp_path / "archive").mkdir()  # a folder with no file in it: Ray is not even started
    counts = run_batch([str(tmp_path / "archive")], tmp_path / "out")
    assert counts == {"ok": 0, "no face": 0, "failed": 0, "skipped": 0}
    for table, table_schema in SCHEMAS.items():
        assert pyarrow.dataset.dataset(tmp_path / "out" / f"{table}.parquet").to_table().schema == table_schema
        assert pd.read_parquet(tmp_path / "out" / f"{table}.parquet").empty
