"""python -m emotion batch PATH... --out DIR: every photo and clip of an archive, on Ray Data, resumable.

Files are listed here and read, decoded and analysed by an actor pool (one Predictor loaded per actor, photos'
faces classified in batches); results come back in batches and are written as they finish, one part per batch
in each of the three tables (emotion.batch_tables). With no cluster Ray starts on this machine's cores; with
RAY_ADDRESS (or --address) the same command runs on a cluster. Ray is optional: requirements-batch.txt.
"""

import glob
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from emotion.batch_tables import PartWriter, done_files
from emotion.video import VIDEO_SUFFIXES

BATCH_SIZE = 16  # files an actor analyses at once: their photos' faces go through the model together


@dataclass(frozen=True)
class Source:
    file: str
    kind: str  # "photo" or "clip"
    size: int
    mtime: float


def list_sources(paths: list[str]) -> list[Source]:
    """Files, folders (recursively) and glob patterns, each file once, in a stable order."""
    found: dict[str, Path] = {}
    for text in paths:
        # glob.glob, not Path.glob: a pattern may be absolute, as a shell would take it
        matches = [Path(match) for match in sorted(glob.glob(text, recursive=True))] or [Path(text)]  # noqa: PTH207
        for match in matches:
            files = sorted(path for path in match.rglob("*") if path.is_file()) if match.is_dir() else [match]
            found.update((str(path), path) for path in files)
    sources = []
    for name, path in found.items():
        stat = path.stat() if path.exists() else None
        kind = "clip" if path.suffix.lower() in VIDEO_SUFFIXES else "photo"
        sources.append(Source(name, kind, stat.st_size if stat else -1, stat.st_mtime if stat else 0.0))
    return sources


class Analyser:
    """One actor of the pool: a Predictor, loaded once, and a batch of files in, their rows out."""

    def __init__(self, model: str | None):
        from emotion.predictor import Predictor

        self.predictor = Predictor.load(model or None)

    def __call__(self, batch: "pd.DataFrame") -> "pd.DataFrame":
        from emotion.batch_tables import analyse_files

        return analyse_files(self.predictor, batch)


def connect(address: str | None, workers: int | None):
    """Ray, on the cluster at `address` (or RAY_ADDRESS), else started here on this machine's cores."""
    import ray

    address = address or os.environ.get("RAY_ADDRESS")
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=workers or os.cpu_count(), include_dashboard=False, log_to_driver=False)
    return ray


def run_batch(
    paths: list[str],
    out: Path,
    output_format: str = "parquet",
    address: str | None = None,
    workers: int | None = None,
    model: str | None = None,
) -> dict[str, int]:
    """Analyse every file not already done in `out`; returns how many files were ok, had no face, failed,
    and were skipped as done."""
    sources = list_sources(paths)
    done = done_files(out, output_format)
    todo = [source for source in sources if (source.file, source.size, source.mtime) not in done]
    counts = {"ok": 0, "no face": 0, "failed": 0, "skipped": len(sources) - len(todo)}
    if not todo:
        return counts
    ray = connect(address, workers)
    ray.data.DataContext.get_current().enable_progress_bars = False  # this command prints its own
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    pool = workers or max(int(ray.cluster_resources().get("CPU", 1)), 1)
    items = [{"file": s.file, "kind": s.kind, "size": s.size, "mtime": s.mtime} for s in todo]
    dataset = ray.data.from_items(items, override_num_blocks=max(len(items) // BATCH_SIZE, 1)).map_batches(
        Analyser,
        fn_constructor_args=(model,),
        batch_size=BATCH_SIZE,
        concurrency=pool,
        num_cpus=1,
        batch_format="pandas",
    )
    writer, started, finished = PartWriter(out, output_format), time.monotonic(), 0
    for batch in dataset.iter_batches(batch_size=None, batch_format="pandas"):
        writer.write(batch)
        for status in batch["status"]:
            counts[status if status in ("ok", "no face") else "failed"] += 1
        finished += len(batch)
        rate = finished / max(time.monotonic() - started, 1e-6)
        print(
            f"\r{finished}/{len(todo)} files, {rate:.1f} files/s, about {(len(todo) - finished) / rate:.0f} s left",
            end="",
            file=sys.stderr,
            flush=True,
        )
    print(file=sys.stderr)
    return counts


def main(arguments) -> int:
    """`python -m emotion batch` (emotion.cli parses the options); the exit status is 1 if any file failed."""
    counts = run_batch(
        arguments.paths, arguments.out, arguments.format, arguments.address, arguments.workers, arguments.model
    )
    tables = ", ".join(f"{name}.{arguments.format}" for name in ("faces", "clip_samples", "files"))
    print(
        f"{counts['ok']} ok, {counts['no face']} with no face, {counts['failed']} failed, {counts['skipped']} "
        f"already done; {tables} in {arguments.out}"
    )
    return 1 if counts["failed"] else 0
