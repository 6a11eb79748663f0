"""The one line the server writes per request: sizes, face count, outcome and time. Never a file name,
a path or pixels, so a log cannot leak who or what was uploaded. Refusals and faults a client causes are one
short line each, and at most LINES_PER_WINDOW of them a window (RateLimit), so a flood cannot fill the disk."""

import logging
import threading
import time

logger = logging.getLogger("emotion.requests")
LINES_PER_WINDOW, WINDOW_SECONDS = 20, 10.0


class RateLimit(logging.Filter):
    """Lets LINES_PER_WINDOW records through a window, then one line that says how many it held back."""

    def __init__(self, lines: int = LINES_PER_WINDOW, seconds: float = WINDOW_SECONDS):
        super().__init__()
        self.lines, self.seconds = lines, seconds
        self.window_start, self.passed, self.held = float("-inf"), 0, 0
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        with self.lock:
            now = time.monotonic()
            if now - self.window_start >= self.seconds:
                if self.held:  # the first line of a new window says what the last one held back
                    record.msg, record.args = "%s (%d more held back)", (record.getMessage(), self.held)
                self.window_start, self.passed, self.held = now, 0, 0
            self.passed += 1
            if self.passed > self.lines:
                self.held += 1
                return False
            return True


refusals = logging.getLogger("emotion.refusals")
refusals.addFilter(RateLimit())


def log_refusal(status: int, method: str, path: str, reason: str) -> None:
    """One short line for a request the guard refused or a client's call that failed (no traceback)."""
    refusals.info("%d %s %s: %s", status, method, path[:80], reason[:120])


def log_request(
    channel: str,
    size_bytes: int,
    outcome: str,
    started: float,
    image_size: tuple[int, int] | None = None,
    faces: int | None = None,
) -> None:
    """`started` is a time.perf_counter() value taken when the request arrived."""
    pixels = f"{image_size[0]}x{image_size[1]} px" if image_size else "- px"
    found = "-" if faces is None else str(faces)
    elapsed = (time.perf_counter() - started) * 1000
    logger.info("%s %s: %d bytes, %s, %s faces, %.0f ms", channel, outcome, size_bytes, pixels, found, elapsed)
