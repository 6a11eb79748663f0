"""The page's jobs, read from Gradio's queue (its `event_ids_to_events`: every job queued or running): how many a
client has, the files they will read (which the sweep spares), and the live runs to end: those whose client sends
no frame, or reads no answer, for LIVE_IDLE_SECONDS, those past a run's time, and a client's older ones. And which
visitors have left the page (Listeners), so that a clip analysed for one stops."""

import asyncio
import collections
import contextlib
import math
import time
from collections.abc import Iterator

from emotion.app.clients import CLIENT_LIVE_RUNS, counted
from emotion.app.page import settings

LIVE_IDLE_SECONDS = 5.0
GONE_SECONDS = 3.0  # a session without an open answer stream for this long has left (between two events: ms)
REMEMBERED_SESSIONS = 10_000
UNREAD_ANSWERS = 50  # a live run's answers waiting for its client: 5 s of frames
WATCH_EVERY = 1.0  # seconds between two looks at the live runs


class Listeners:
    """The sessions whose stream of answers (/gradio_api/queue/data) is open, as the guard sees them come and go: a
    session that had one and has had none for GONE_SECONDS has left the page, and its long job can stop."""

    def __init__(self):
        self.open: collections.Counter[str] = collections.Counter()
        self.closed_at: collections.OrderedDict[str, float] = collections.OrderedDict()

    @contextlib.contextmanager
    def listening(self, session_hash: str) -> Iterator[None]:
        try:
            with counted(self.open, session_hash):
                yield
        finally:
            if session_hash not in self.open:  # its last stream closed
                self.closed_at[session_hash] = time.monotonic()
                self.closed_at.move_to_end(session_hash)
                if len(self.closed_at) > REMEMBERED_SESSIONS:
                    self.closed_at.popitem(last=False)

    def gone(self, session_hash: str | None) -> bool:
        closed = self.closed_at.get(session_hash or "")
        return session_hash not in self.open and closed is not None and time.monotonic() - closed > GONE_SECONDS


LISTENERS = Listeners()


def request_client(event) -> str:
    request = getattr(event, "request", None)
    client = getattr(request, "client", None)
    return client.host if client else "unknown"


class PageJobs:
    """Gradio's queue of `blocks` as the guard and the sweep need it."""

    def __init__(self, blocks):
        self.blocks = blocks
        self.last_frame: dict[str, float] = {}  # a live run's id: when its last frame came (the guard notes it)
        self.first_seen: dict[str, float] = {}  # a live run's id: when the watch first saw it running

    def events(self) -> list:
        queue = getattr(self.blocks, "_queue", None)
        return list(queue.event_ids_to_events.values()) if queue is not None else []

    def of(self, client: str) -> int:
        """The client's jobs queued or running."""
        return sum(1 for event in self.events() if request_client(event) == client)

    def has_session(self, session_hash: str) -> bool:
        """Whether a session joined the queue and its answers are waiting (Gradio fails on any other)."""
        queue = getattr(self.blocks, "_queue", None)
        return queue is not None and session_hash in queue.pending_messages_per_session

    def files(self) -> set[str]:
        """The files the queued and running jobs were given (uploads in Gradio's cache)."""
        paths = set()
        for event in self.events():
            for value in getattr(event.data, "data", None) or []:
                if isinstance(value, dict) and isinstance(value.get("path"), str):
                    paths.add(value["path"])
        return paths

    def frame_came(self, event_id: str) -> None:
        self.last_frame[event_id] = time.monotonic()

    def end_stale_live_runs(self) -> int:
        """End the live runs to end (above), as Gradio's own close route does; returns how many."""
        now, ended = time.monotonic(), 0
        queue = getattr(self.blocks, "_queue", None)
        live = [event for event in self.events() if event.streaming and not event.closed]
        running = {event._id for event in live}
        for table in (self.last_frame, self.first_seen):
            for event_id in set(table) - running:
                del table[event_id]
        per_client: dict[str, list] = {}
        for event in live:
            started = self.first_seen.setdefault(event._id, now)
            per_client.setdefault(request_client(event), []).append((started, event))
        for runs in per_client.values():
            runs.sort(key=lambda run: run[0])
            for index, (started, event) in enumerate(runs):
                answers = queue.pending_messages_per_session.get(event.session_hash) if queue else None
                stale = (
                    index < len(runs) - CLIENT_LIVE_RUNS
                    or now - self.last_frame.get(event._id, started) > LIVE_IDLE_SECONDS
                    or now - started > settings.LIVE_SECONDS + LIVE_IDLE_SECONDS
                    or (answers is not None and answers.qsize() > UNREAD_ANSWERS)
                )
                if stale:
                    event.run_time, event.closed = math.inf, True
                    event.signal.set()
                    ended += 1
        return ended

    async def watch_live_runs(self) -> None:
        """End stale live runs every WATCH_EVERY seconds, for as long as the event loop runs."""
        while True:
            await asyncio.sleep(WATCH_EVERY)
            self.end_stale_live_runs()
