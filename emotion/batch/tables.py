"""Batch analysis' tables: written from the rows the actors answer (emotion.batch.actor), one part a task,
exactly once. Pandas only: the driver that writes them loads no model.

    faces          one row a face of a photo: file, then emotion.results.FACE_COLUMNS (face 1 is the largest)
    clip_samples   one row a sampled face of a clip: file, then emotion.results.SAMPLE_COLUMNS
    files          one row a file: file, kind, status ("ok", "no face" or the error), faces (or people in a
                   clip), seconds; and its size and mtime, by which a rerun knows it is done

Each table is a folder of parts (`faces.parquet/part-00003-<run>.parquet`, ...). A task's three parts are
written under temporary names and renamed, the files part last: a task whose files part is missing is not
done, and its other parts are removed when a rerun starts, so no file's rows appear twice.
"""

import uuid
from pathlib import Path

import pandas as pd

from emotion.batch import TABLES
from emotion.results import FACE_COLUMNS, SAMPLE_COLUMNS

FILE_COLUMNS = ("file", "kind", "status", "faces", "seconds", "size", "mtime")


def tables_of(batch: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The three tables' rows for a batch of analysed files (FILE_COLUMNS and `rows`, each file's face or
    sample rows)."""
    found = {"photo": [], "clip": []}
    for file, kind, rows in zip(batch["file"], batch["kind"], batch["rows"], strict=True):
        found[kind] += [{"file": file} | dict(row) for row in rows]
    return {
        "faces": pd.DataFrame(found["photo"], columns=["file", *FACE_COLUMNS]),
        "clip_samples": pd.DataFrame(found["clip"], columns=["file", *SAMPLE_COLUMNS]),
        "files": batch[list(FILE_COLUMNS)].reset_index(drop=True),
    }


def file_rows(out: Path, output_format: str, table: str) -> pd.DataFrame:
    """A whole table, from its finished parts."""
    parts = sorted((out / f"{table}.{output_format}").glob(f"part-*.{output_format}"))
    frames = [read_part(part, output_format) for part in parts]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_part(path: Path, output_format: str) -> pd.DataFrame:
    if output_format == "parquet":
        return pd.read_parquet(path)
    if output_format == "csv":
        return pd.read_csv(path)
    return pd.read_json(path, lines=True)


def done_files(out: Path, output_format: str) -> set[tuple[str, int, float]]:
    """(file, size, mtime) of every file a finished part records; parts of unfinished batches are removed."""
    finished = {part.name for part in (out / f"files.{output_format}").glob(f"part-*.{output_format}")}
    for table in TABLES[:2]:
        for part in (out / f"{table}.{output_format}").glob("part-*"):
            if part.name not in finished:
                part.unlink()
    files = file_rows(out, output_format, "files")
    if files.empty:
        return set()
    return {(row.file, int(row.size), float(row.mtime)) for row in files.itertuples()}


class PartWriter:
    """Writes each batch's three parts under `out`, the files part last."""

    def __init__(self, out: Path, output_format: str):
        self.out, self.format, self.run, self.count = out, output_format, uuid.uuid4().hex[:8], 0
        for table in TABLES:
            (out / f"{table}.{output_format}").mkdir(parents=True, exist_ok=True)

    def write(self, batch: pd.DataFrame) -> None:
        name = f"part-{self.count:05d}-{self.run}.{self.format}"
        self.count += 1
        for table, frame in tables_of(batch).items():  # dicts keep the order: faces, clip_samples, files
            final = self.out / f"{table}.{self.format}" / name
            temporary = final.with_name(f".{name}.tmp")
            write_frame(frame, temporary, self.format)
            temporary.rename(final)


def write_frame(frame: pd.DataFrame, path: Path, output_format: str) -> None:
    if output_format == "parquet":
        frame.to_parquet(path, index=False)
    elif output_format == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True)
