"""Native libraries' start-up notices, which read like failures ("failed call to cuInit", "Created TensorFlow
Lite XNNPACK delegate") and are not for users: they are written straight to file descriptor 2, before any log
level applies, so they are sent to the null device while the library starts."""

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path


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
