"""The app's one temporary folder, which nothing uploaded outlives: Gradio's cache (uploads, results) and the
scratch space of REST and clips are inside it. It is emptied when the app starts (so a crash leaves nothing once
the app answers again) and when it stops cleanly (SIGTERM included), and swept while it runs: files older than
the cache's age go, partial uploads included, and so do the folders left empty.

EMOTION_TEMP_DIR names the folder; by default it is `emotion-app` in the system's temporary folder.
"""

import atexit
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from emotion.app.headroom import OPEN_DESCRIPTORS

_emptied: set[Path] = set()
_in_use: set[Path] = set()  # the jobs' working folders (working_folder), which the sweep spares


def app_folder() -> Path:
    return Path(os.environ.get("EMOTION_TEMP_DIR") or Path(tempfile.gettempdir()) / "emotion-app")


def cache_folder() -> Path:
    """Gradio's cache (GRADIO_TEMP_DIR points here once the page is built)."""
    return app_folder() / "gradio"


def is_upload(path: str | Path) -> bool:
    """Whether `path` is in Gradio's cache (an upload, an example's copy): the only files a page's call may name;
    any other path a client sends would have the app read a file of the server's."""
    return Path(path).resolve().is_relative_to(cache_folder().resolve())


def scratch_folder() -> Path:
    """Where REST keeps a clip while OpenCV reads it, and the page writes a clip's results."""
    folder = app_folder() / "scratch"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def working_folder(prefix: str) -> Iterator[Path]:
    """A folder of its own in the scratch space for one job (a clip read, its results written), which the sweep
    spares for as long as the job runs, however long, and which goes when the block ends."""
    with tempfile.TemporaryDirectory(prefix=prefix, dir=scratch_folder()) as name:
        folder = Path(name)
        _in_use.add(folder)
        try:
            yield folder
        finally:
            _in_use.discard(folder)


def empty_at_start() -> None:
    """Empty the app's folder, once a process: what a process that died left there goes."""
    folder = app_folder()
    if folder in _emptied:
        return
    _emptied.add(folder)
    empty(folder)


def empty_at_exit() -> None:
    """Empty the app's folder when the process stops cleanly: at exit, and on SIGTERM (how a container or a
    Space is stopped), which would otherwise end Python without its exit handlers."""
    atexit.register(empty, app_folder())
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # SystemExit runs the exit handlers


def empty(folder: Path) -> None:
    """Everything in `folder` removed, the folder kept."""
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def remove_partial_uploads() -> int:
    """Remove the uploads cut off before they ended: Gradio writes each to a file at the top of its cache while it
    arrives (and moves it into a folder of its own once whole); a file there that this process no longer has open
    is one left by a refused or abandoned upload. Returns how many went (Linux; elsewhere the sweep removes them)."""
    if not OPEN_DESCRIPTORS.is_dir():
        return 0
    open_files = set()
    for link in OPEN_DESCRIPTORS.iterdir():
        with contextlib.suppress(OSError):  # closed meanwhile
            open_files.add(str(link.readlink()))
    removed = 0
    for path in cache_folder().glob("*"):
        with contextlib.suppress(FileNotFoundError):
            if path.is_file() and not path.is_symlink() and str(path) not in open_files:
                path.unlink()
                removed += 1
    return removed


def sweep(age_seconds: float, keep: set[str] = frozenset()) -> int:
    """Remove the files under the app's folder not changed for `age_seconds` (but those in `keep`: the page's
    example photos, the queued jobs' uploads; and the working folders of jobs that run), then the empty folders;
    returns how many files went."""
    folder, cutoff, removed = app_folder(), time.time() - age_seconds, 0
    if not folder.is_dir():
        return 0
    kept, in_use = {folder, cache_folder()}, set(_in_use)  # a copy: jobs start and end meanwhile
    for directory, _, files in os.walk(folder, topdown=False):  # deepest first, so emptied folders go too
        here, emptied = Path(directory), False
        if here in in_use or not in_use.isdisjoint(here.parents):
            continue
        for name in files:
            path = here / name
            with contextlib.suppress(FileNotFoundError):
                if path.lstat().st_mtime < cutoff and str(path) not in keep:
                    path.unlink()
                    removed += 1
                    emptied = True
        with contextlib.suppress(OSError):  # not empty, or gone already
            if here not in kept and (emptied or here.stat().st_mtime < cutoff):
                here.rmdir()
    return removed


def start_sweeping(every_seconds: float, age_seconds: float, keep: Callable[[], set[str]]) -> threading.Thread:
    """A daemon thread that sweeps every `every_seconds` for as long as the process runs, sparing `keep()`."""

    def loop() -> None:
        while True:
            time.sleep(every_seconds)
            sweep(age_seconds, keep())

    thread = threading.Thread(target=loop, name="emotion-sweep", daemon=True)
    thread.start()
    return thread
