"""Descriptor headroom: the process raises its soft limit on open files as far as it may, and the guard refuses new
requests (503) while nearly all are taken, so that connections fail with an answer rather than in accept()."""

import resource
import time
from pathlib import Path

HEADROOM = 0.9  # the share of the limit past which new requests are refused
LOOK_EVERY = 0.5  # seconds a count of open descriptors is reused (counting 20,000 takes a few milliseconds)
OPEN_DESCRIPTORS = Path("/proc/self/fd")


def raise_descriptor_limit() -> int:
    """The soft limit raised to the hard one where it is lower; returns the limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


class Descriptors:
    """Whether the process is near its limit on open descriptors (Linux; elsewhere never)."""

    def __init__(self, headroom: float = HEADROOM):
        self.headroom, self.looked, self.near = headroom, float("-inf"), False

    def near_limit(self) -> bool:
        now = time.monotonic()
        if now - self.looked >= LOOK_EVERY and OPEN_DESCRIPTORS.is_dir():
            self.looked = now
            limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
            in_use = sum(1 for _ in OPEN_DESCRIPTORS.iterdir())
            self.near = limit != resource.RLIM_INFINITY and in_use > limit * self.headroom
        return self.near
