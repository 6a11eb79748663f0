"""Each client's share of the server, so that no one client can take it all: its requests carrying a file in flight,
and the bytes it uploaded to the page's cache while they may still be on disk (with the cache's total).

A client is the address uvicorn puts in the request: the peer's, or the one a proxy forwards when the peer is one
that FORWARDED_ALLOW_IPS names (uvicorn's setting; loopback by default, every peer on a Space, whose only way in
is the Hub's proxy).
"""

import collections
import contextlib
import os
import time
from collections.abc import Iterator

from emotion.app.answers import ServerBusy, TooManyRequests
from emotion.app.page.settings import CACHE_CLEANUP

CLIENT_UPLOADS = 4  # requests carrying a file (REST photos and clips, the page's uploads) in flight at once
CLIENT_JOBS = 6  # page jobs (analyses, live runs) queued or running at once
CLIENT_LIVE_RUNS = 1  # live runs at once: starting another ends the older
CLIENT_CACHE_BYTES = 250 * 2**20  # uploads to the page's cache that may still be there (5 of the largest clips)
CACHE_BYTES = 4 * 2**30  # every client's together
CACHE_SECONDS = sum(CACHE_CLEANUP)  # how long an upload may stay in the cache: its age, and a sweep's wait


def client_address(scope: dict) -> str:
    """The client's address as uvicorn gives it (forwarded by a trusted proxy, or the peer's)."""
    return (scope.get("client") or ("unknown", 0))[0]


def trust_the_spaces_proxy() -> None:
    """On a Space every request comes through the Hub's proxy: its forwarded address is the client's."""
    if os.environ.get("SPACE_ID"):
        os.environ.setdefault("FORWARDED_ALLOW_IPS", "*")


@contextlib.contextmanager
def counted(counter: collections.Counter, key: str) -> Iterator[None]:
    """`key` counted once more in `counter` for the block (and dropped from it at zero)."""
    counter[key] += 1
    try:
        yield
    finally:
        counter[key] -= 1
        if not counter[key]:
            del counter[key]


class Clients:
    """The shares above, counted as requests come and go (one event loop: no locks)."""

    def __init__(self, uploads: int = CLIENT_UPLOADS, cache_bytes: int = CLIENT_CACHE_BYTES, total: int = CACHE_BYTES):
        self.max_uploads, self.max_cache_bytes, self.max_total = uploads, cache_bytes, total
        self.uploading: collections.Counter[str] = collections.Counter()
        self.cached: collections.deque[tuple[float, str, int]] = collections.deque()  # (when, client, bytes)
        self.held: collections.Counter[str] = collections.Counter()  # each client's bytes in `cached`

    @contextlib.contextmanager
    def upload(self, client: str) -> Iterator[None]:
        """One request carrying a file, for the block; raises TooManyRequests past the client's share."""
        if self.uploading[client] >= self.max_uploads:
            raise TooManyRequests(
                f"Too many uploads from your address at once (at most {self.max_uploads}): "
                "wait for those under way to finish."
            )
        with counted(self.uploading, client):
            yield

    def cache(self, client: str, size: int) -> None:
        """`size` more bytes of the client's on the page's cache; raises TooManyRequests past its share (kept for
        CACHE_SECONDS) and ServerBusy past everyone's."""
        now = time.monotonic()
        while self.cached and self.cached[0][0] < now - CACHE_SECONDS:  # what the sweep has removed by now
            _, gone, gone_size = self.cached.popleft()
            self.held[gone] -= gone_size
            if not self.held[gone]:
                del self.held[gone]
        if self.held[client] + size > self.max_cache_bytes:
            raise TooManyRequests(
                f"Your uploads of the last {CACHE_SECONDS // 60} minutes fill your share of the server's space: "
                "wait a minute or two before sending more."
            )
        if self.held.total() + size > self.max_total:
            raise ServerBusy("The server's space for uploads is full right now; please try again in a minute.")
        self.cached.append((now, client, size))
        self.held[client] += size
