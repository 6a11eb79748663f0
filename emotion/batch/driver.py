"""`python -m emotion batch PATH... --out DIR`: every photo and clip of an archive, on Ray Data, resumable.

Files are listed here and cut into tasks: each clip alone, the largest first, then photos PHOTOS_PER_TASK at a
time. An actor pool reads, decodes and analyses them (one Predictor loaded per actor, a task's photos' faces
classified together; emotion.batch.actor); results come back a task at a time and are written as they finish,
one part a task in each of the three tables (emotion.batch.tables). This driver loads no model. With no
cluster Ray starts on this machine's cores; with RAY_ADDRESS (or --address) the same command runs on a cluster.
"""

import glob
import logging
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from emotion.batch import TABLES
from emotion.batch.actor import Analyser
from emotion.batch.tables import PartWriter, done_files, empty_batch
from emotion.limits import VIDEO_SUFFIXES

PHOTOS_PER_TASK = 16  # photos an actor analyses at once: their faces go through the model together


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


def tasks_of(sources: list[Source]) -> list[dict[str, list[dict]]]:
    """One row a task, its files' sources: each clip alone, the largest first, so that no clip starts last and
    holds up the end, then the photos PHOTOS_PER_TASK at a time. Every core gets work while any is left."""
    clips = sorted((source for source in sources if source.kind == "clip"), key=lambda source: -source.size)
    photos = [source for source in sources if source.kind == "photo"]
    groups = [[clip] for clip in clips]
    groups += [photos[start : start + PHOTOS_PER_TASK] for start in range(0, len(photos), PHOTOS_PER_TASK)]
    return [{"files": [asdict(source) for source in group]} for group in groups]


def connect(address: str | None, workers: int | None):
    """Ray, on the cluster at `address` (or RAY_ADDRESS), else started here on this machine's cores."""
    import ray

    address = address or os.environ.get("RAY_ADDRESS")
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
        else:
            cores = workers or os.cpu_count()
            ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
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
        if not done:  # an empty archive: its tables are there all the same, typed and empty
            PartWriter(out, output_format).write(empty_batch())
        return counts
    ray = connect(address, workers)
    ray.data.DataContext.get_current().enable_progress_bars = False  # this command prints its own
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # not its note that its own bars are off
    pool = workers or max(int(ray.cluster_resources().get("CPU", 1)), 1)
    tasks = tasks_of(todo)
    dataset = ray.data.from_items(tasks, override_num_blocks=len(tasks)).map_batches(
        Analyser,
        fn_constructor_args=(model,),
        batch_size=1,
        compute=ray.data.ActorPoolStrategy(size=pool),
        num_cpus=1,
        batch_format="pandas",
    )
    print(f"{len(todo)} files for {pool} workers; each loads the model first", file=sys.stderr, flush=True)
    writer, finished, first = PartWriter(out, output_format), 0, None
    for batch in dataset.iter_batches(batch_size=None, batch_format="pandas"):
        writer.write(batch)
        for status in batch["status"]:
            counts[status if status in ("ok", "no face") else "failed"] += 1
        finished += len(batch)
        first = first or (time.monotonic(), finished)  # the rate counts from the first result: no start-up in it
        print(f"\r{progress_text(finished, len(todo), first)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return counts


def progress_text(finished: int, total: int, first: tuple[float, int]) -> str:
    """ "120/500 files, 85.3 files/s, about 4 s left", the rate since the first result came back."""
    since, counted = first
    if finished == counted:
        return f"{finished}/{total} files"
    rate = (finished - counted) / max(time.monotonic() - since, 1e-6)
    return f"{finished}/{total} files, {rate:.1f} files/s, about {(total - finished) / rate:.0f} s left"


def run(arguments) -> int:
    """`python -m emotion batch` (emotion.__main__ parses the options); the exit status is 1 if any file failed."""
    counts = run_batch(
        arguments.paths, arguments.out, arguments.format, arguments.address, arguments.workers, arguments.model
    )
    tables = ", ".join(f"{name}.{arguments.format}" for name in TABLES)
    print(
        f"{counts['ok']} ok, {counts['no face']} with no face, {counts['failed']} failed, {counts['skipped']} "
        f"already done; {tables} in {arguments.out}"
    )
    return 1 if counts["failed"] else 0
