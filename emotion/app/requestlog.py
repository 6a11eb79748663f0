"""The one line the server writes per request: sizes, face count, outcome and time. Never a file name,
a path or pixels, so a log cannot leak who or what was uploaded."""

import logging
import time

logger = logging.getLogger("emotion.requests")


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
