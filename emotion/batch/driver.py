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
import socket
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from emotion.batch import TABLES
from emotion.batch.actor import Analyser
from emotion.batch.tables import PartWriter, done_files, empty_batch
from emotion.limits import VIDEO_SUFFIXES
from emotion.quiet import native_stderr_silenced

LOG_EVERY = 10.0  # seconds between progress lines when standard error is a file, not a terminal
PHOTOS_PER_TASK = 16  # photos an actor analyses at once: their faces go through the model together


@dataclass(frozen=True)
class Source:
    file: str
    kind: str  # "photo" or "clip"
    size: int
    mtime: float


class BatchProblem(Exception):
    """What stops a run before it starts, said in one line: a path that names nothing, an --out that cannot be
    written, a cluster that cannot be reached."""


def list_sources(paths: list[str]) -> list[Source]:
    """Files, folders (recursively) and glob patterns, each file once, in a stable order; BatchProblem for a path
    that is neither a file, a folder nor a pattern that matches one."""
    found: dict[str, Path] = {}
    for text in paths:
        # glob.glob, not Path.glob: a pattern may be absolute, as a shell would take it
        matches = [Path(match) for match in sorted(glob.glob(text, recursive=True))]  # noqa: PTH207
        if not matches:
            raise BatchProblem(f"no such file or folder, and no file matches: {text}")
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
    # Ray's C++ core logs at ERROR that an actor's constructor arguments sit in its object store, which Ray Data
    # does by design, and at INFO that this level was set (while it starts: hence the silence); real faults
    # still raise in Python. Read when Ray starts, so set before.
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    import ray

    address = address or os.environ.get("RAY_ADDRESS")
    if not ray.is_initialized():
        if address:
            reachable(address)
        with native_stderr_silenced():
            if address:
                ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
            else:
                cores = workers or os.cpu_count()
                ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    return ray


def reachable(address: str) -> None:
    """BatchProblem unless something answers at a cluster's HOST:PORT (Ray itself would retry for minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except (OSError, ValueError) as problem:
        reason = getattr(problem, "strerror", None) or str(problem)
        raise BatchProblem(f"cannot reach the Ray cluster at {address}: {reason}") from None


def writable(out: Path) -> None:
    """BatchProblem unless the tables can be written under `out`."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.touch()
        probe.unlink()
    except OSError as problem:
        raise BatchProblem(f"cannot write the tables to {out}: {problem.strerror}") from None


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
    writable(out)
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
    tasks = tasks_of(todo)
    pool = min(workers or max(int(ray.cluster_resources().get("CPU", 1)), 1), len(tasks))  # no actor without a task
    dataset = ray.data.from_items(tasks, override_num_blocks=len(tasks)).map_batches(
        Analyser,
        fn_constructor_args=(model,),
        batch_size=1,
        compute=ray.data.ActorPoolStrategy(size=pool),
        num_cpus=1,
        batch_format="pandas",
    )
    workers_text = "1 worker" if pool == 1 else f"{pool} workers"
    print(f"{len(todo)} files for {workers_text}; each loads the model first", file=sys.stderr, flush=True)
    writer, finished, first, shown = PartWriter(out, output_format), 0, None, 0.0
    on_terminal = sys.stderr.isatty()
    for batch in dataset.iter_batches(batch_size=None, batch_format="pandas"):
        writer.write(batch)
        for status in batch["status"]:
            counts[status if status in ("ok", "no face") else "failed"] += 1
        finished += len(batch)
        first = first or (time.monotonic(), finished)  # the rate counts from the first result: no start-up in it
        if on_terminal:  # one line, rewritten in place and cleared to its end
            print(f"\r{progress_text(finished, len(todo), first)}\x1b[K", end="", file=sys.stderr, flush=True)
        elif time.monotonic() - shown >= LOG_EVERY or finished == len(todo):  # a log: a whole line now and then
            shown = time.monotonic()
            print(progress_text(finished, len(todo), first), file=sys.stderr, flush=True)
    if on_terminal:
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
    """`python -m emotion batch` (emotion.__main__ parses the options); the exit status is 1 if any file failed,
    2 if the run could not start (one line on standard error)."""
    try:
        counts = run_batch(
            arguments.paths, arguments.out, arguments.format, arguments.address, arguments.workers, arguments.model
        )
    except BatchProblem as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    tables = ", ".join(f"{name}.{arguments.format}" for name in TABLES)
    print(
        f"{counts['ok']} ok, {counts['no face']} with no face, {counts['failed']} failed, {counts['skipped']} "
        f"already done; {tables} in {arguments.out}"
    )
    return 1 if counts["failed"] else 0
