"""Keras, loaded once with the backend's start-up notices silenced: every module of emotion/ that needs Keras
imports it from here, so the light modules (labels, results, tracking, table) load no backend at all."""

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

# TensorFlow's start-up chatter on a CPU machine ("failed call to cuInit", oneDNN and CPU-instruction notices)
# reads like failures and is not for users. Level 3 keeps fatal errors; real faults still raise.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send what native code writes straight to file descriptor 2 to the null device for the block: TensorFlow's
    libraries print their notices while they load, before any log level applies."""
    sys.stderr.flush()
    saved = os.dup(2)
    with Path(os.devnull).open("wb") as null:
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


with native_stderr_silenced():
    import keras  # noqa: E402

__all__ = ["keras"]
