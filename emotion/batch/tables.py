"""Batch analysis' tables: written from the rows the actors answer (emotion.batch.actor), one part a task,
exactly once. Pandas only: the driver that writes them loads no model.

    faces          one row a face of a photo: file, then emotion.results.FACE_COLUMNS (face 1 is the largest)
    clip_samples   one row a sampled face of a clip: file, then emotion.results.SAMPLE_COLUMNS
    files          one row a file: file, kind, status ("ok", "no face" or the error), faces (or people in a
                   clip), seconds; its size and mtime, by which a rerun knows it is done; and the Ray node that
                   analysed it

Each table is a folder of parts (`faces.parquet/part-00003-<run>.parquet`, ...), every part written with the
table's one Arrow schema (SCHEMAS), an empty part too: `pandas.read_parquet` and `pyarrow.dataset` read the
folder as one table whatever mix of tasks wrote it, a CSV part always has its header, and a JSON line always has
every column. A task's three parts are written under temporary names and renamed, the files part last: a task
whose files part is missing is not done, and its other parts are removed when a rerun starts, so no file's rows
appear twice.
"""

import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv
import pyarrow.json
import pyarrow.parquet

from emotion.batch import TABLES
from emotion.results import FACE_COLUMNS, SAMPLE_COLUMNS

FILE_COLUMNS = ("file", "kind", "status", "faces", "seconds", "size", "mtime", "node")


def schema(columns: tuple[str, ...], nullable: tuple[str, ...] = ()) -> pa.Schema:
    """A table's Arrow schema, every part written with it (an empty part too), so that any reader gets one table:
    text columns as strings, counts and pixels as int64, probabilities, times and seconds as float64."""
    texts = {"file", "kind", "status", "label", "warnings", "node"}
    counts = {"face", "person", "x", "y", "width", "height", "faces", "size"}
    return pa.schema(
        pa.field(
            name, pa.string() if name in texts else pa.int64() if name in counts else pa.float64(), name in nullable
        )
        for name in columns
    )


SCHEMAS = {
    "faces": schema(("file", *FACE_COLUMNS), nullable=("detector_score",)),
    "clip_samples": schema(("file", *SAMPLE_COLUMNS)),
    "files": schema(FILE_COLUMNS, nullable=("node",)),
}


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


def empty_batch() -> pd.DataFrame:
    """A batch of no files: written as the parts of an empty archive, so that its tables read as typed and empty."""
    return pd.DataFrame(columns=[*FILE_COLUMNS, "rows"])


def file_rows(out: Path, output_format: str, table: str) -> pd.DataFrame:
    """A whole table, from its finished parts, with its schema's types."""
    parts = sorted((out / f"{table}.{output_format}").glob(f"part-*.{output_format}"))
    tables = [read_part(part, output_format, SCHEMAS[table]) for part in parts] or [SCHEMAS[table].empty_table()]
    return pa.concat_tables(tables).to_pandas()


def read_part(path: Path, output_format: str, table_schema: pa.Schema) -> pa.Table:
    if output_format == "parquet":
        return pyarrow.parquet.read_table(path, schema=table_schema)
    if output_format == "csv":
        types = pyarrow.csv.ConvertOptions(column_types=table_schema, strings_can_be_null=False)
        return pyarrow.csv.read_csv(path, convert_options=types).select(table_schema.names).cast(table_schema)
    if path.stat().st_size == 0:  # a JSON-lines part with no rows
        return table_schema.empty_table()
    options = pyarrow.json.ParseOptions(explicit_schema=table_schema)
    return pyarrow.json.read_json(path, parse_options=options).select(table_schema.names).cast(table_schema)


def done_files(out: Path, output_format: str) -> set[tuple[str, int, float]]:
    """(file, size, mtime) of every file a finished part records; parts of unfinished batches are removed."""
    finished = {part.name for part in (out / f"files.{output_format}").glob(f"part-*.{output_format}")}
    for table in TABLES[:2]:
        for part in (out / f"{table}.{output_format}").glob("part-*"):
            if part.name not in finished:
                part.unlink()
    files = file_rows(out, output_format, "files")
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
            write_part(pa.Table.from_pandas(frame, schema=SCHEMAS[table], preserve_index=False), temporary, self.format)
            temporary.rename(final)


def write_part(rows: pa.Table, path: Path, output_format: str) -> None:
    if output_format == "parquet":
        pyarrow.parquet.write_table(rows, path)
    elif output_format == "csv":
        pyarrow.csv.write_csv(rows, path)
    else:
        rows.to_pandas().to_json(path, orient="records", lines=True)
