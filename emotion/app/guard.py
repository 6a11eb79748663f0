"""One ASGI middleware in front of the whole app (page, Gradio's routes, REST) that no client gets past:

- every body is counted while it streams and stopped at its route's limit plus one byte (413), Content-Length or
  not, and must arrive within its route's time (408), so a slow or endless upload holds nothing for long;
- an upload to the page holds one file and a few fields (MAX_UPLOAD_PARTS), and one cut off is removed at once;
- each client has its share (emotion.app.clients, emotion.app.jobs): requests carrying a file in flight, page jobs,
  upload bytes in the cache (429 past it); new requests get 503 while descriptors run out (emotion.app.headroom);
- routes the page does not use are closed (404), Gradio's direct calls of queued functions among them;
- a file's Range request is checked (416 when malformed), and its answer carries no request header back;
- a refusal, or a fault a client's request causes, is one short rate-limited line in the log, never a traceback;
- every answer carries nosniff, a referrer policy and the frames that may embed the page (the Hugging Face Hub).
"""

import asyncio
import contextlib
import re
import traceback
from pathlib import Path
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect

from emotion.app.answers import (
    BUSY,
    BadRequest,
    ServerBusy,
    TooManyRequests,
    UploadTooLarge,
    UploadTooSlow,
    error_response,
    user_error,
)
from emotion.app.calls import Route, call_problem
from emotion.app.clients import CLIENT_JOBS, Clients, client_address
from emotion.app.headroom import Descriptors
from emotion.app.jobs import LISTENERS, PageJobs
from emotion.app.requestlog import log_refusal
from emotion.app.scratch import remove_partial_uploads
from emotion.errors import too_large
from emotion.limits import APP_LIMITS, MAX_PHOTO_BYTES, MULTIPART_ROOM

# (method, path or path prefix): the most a body may hold, and the seconds it may take to arrive.
BODY_LIMITS = {
    ("POST", "/process_image"): (MAX_PHOTO_BYTES + MULTIPART_ROOM, 30),
    ("POST", "/process_video"): (APP_LIMITS.max_bytes + MULTIPART_ROOM, 120),
    ("POST", "/gradio_api/upload"): (APP_LIMITS.max_bytes + MULTIPART_ROOM, 120),
    ("POST", "/gradio_api/run/predict"): (64 * 2**10, 10),  # a direct call: a few small values
}
OTHER_BODY_LIMIT = (MAX_PHOTO_BYTES + MULTIPART_ROOM, 30)  # the queue's JSON, a live frame, ...
UPLOAD = ("POST", "/gradio_api/upload")
FILE_CARRYING = {UPLOAD, ("POST", "/process_image"), ("POST", "/process_video")}  # a client's uploads in flight
MAX_UPLOAD_PARTS = 4  # the page sends one file; Gradio's own route would take 1,000, each holding a descriptor
# Gradio's routes the page never calls: recording conversion, the reload stream of dev mode, the dashboard, and
# the direct calls that skip the queue (/api/ is /run/'s old name; /call/ is a second queue API).
CLOSED = (
    "/gradio_api/process_recording",
    "/gradio_api/dev/reload",
    "/gradio_api/monitoring",
    "/monitoring",
    "/gradio_api/api",
    "/gradio_api/call",
    "/gradio_api/run",  # but the page's own direct calls (DIRECT_CALL)
)
DIRECT_CALL = ("POST", "/gradio_api/run/predict")
JOIN = ("POST", "/gradio_api/queue/join")
ANSWERS = ("GET", "/gradio_api/queue/data")  # a session's answers, streamed
STREAM = re.compile(r"/gradio_api/stream/(?P<event>[0-9a-f]+)")  # a live run's next frame
FILE_ROUTE = "/gradio_api/file="
ONE_RANGE = re.compile(r"bytes=\d+-\d*")
# The headers a file's answer may have; Gradio's ranged answer copies every request header (cookies too) into it.
FILE_HEADERS = {
    b"content-type",
    b"content-length",
    b"content-range",
    b"accept-ranges",
    b"content-disposition",
    b"etag",
    b"last-modified",
    b"cache-control",
    b"date",
    b"server",
}
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    # A Space's page is the Hub's page with the app in a frame: the Hub may frame it, no other site.
    (b"content-security-policy", b"frame-ancestors 'self' https://huggingface.co https://*.hf.space"),
]


def is_closed(path: str) -> bool:
    return path != DIRECT_CALL[1] and any(path == route or path.startswith(route + "/") for route in CLOSED)


class Guard:
    """Wraps an ASGI app (Gradio's FastAPI app) in the rules above; `limits` and `other` as BODY_LIMITS and
    OTHER_BODY_LIMIT; `jobs` reads the page's queue (none: no page, no share of jobs); `clients` keeps the shares."""

    def __init__(
        self,
        app,
        jobs: PageJobs | None = None,
        clients: Clients | None = None,
        limits: dict = BODY_LIMITS,
        other: tuple[int, float] = OTHER_BODY_LIMIT,
    ):
        self.app, self.jobs, self.limits, self.other = app, jobs, limits, other
        self.clients, self.descriptors, self.watching = clients or Clients(), Descriptors(), False

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.jobs is not None and not self.watching:  # the first request: the server's event loop runs
            self.watching = True
            asyncio.get_running_loop().create_task(self.jobs.watch_live_runs())
        path, method, headers = scope["path"], scope["method"], Headers(scope=scope)
        client = client_address(scope)
        if is_closed(path):
            return await answer(scope, send, 404, "Not found.")
        if self.descriptors.near_limit():
            return await refuse(scope, send, ServerBusy(BUSY))
        is_file = path.startswith(FILE_ROUTE)
        if is_file and "range" in headers and not ONE_RANGE.fullmatch(headers["range"].strip()):
            return await answer(scope, send, 416, "The Range header asks for something this server does not serve.")
        limit, seconds = self.limits.get((method, path), self.other)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return await refuse(scope, send, UploadTooLarge(too_large("upload", limit)))
        if (method, path) == JOIN and self.jobs is not None and self.jobs.of(client) >= CLIENT_JOBS:
            return await refuse(scope, send, TooManyRequests(too_many_jobs()))
        if (method, path) == ANSWERS and self.jobs is not None and not self.jobs.has_session(session_of(scope)):
            return await answer(scope, send, 404, "No analysis of this session is waiting for its answer.")
        frame = STREAM.fullmatch(path) if method == "POST" else None
        if frame and self.jobs is not None:
            self.jobs.frame_came(frame["event"])
        uploading = (method, path) == UPLOAD
        body = Body(scope, receive, send, limit, seconds)
        if uploading:
            body.parts = Parts(headers.get("content-type", ""))
            body.cache = lambda size: self.clients.cache(client, size)

        async def guarded_send(message):
            if body.answered:
                return
            if message["type"] == "http.response.start":
                body.started, body.status = True, message["status"]
                kept = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if not is_file or name.lower() in FILE_HEADERS
                ]
                message = {**message, "headers": kept + SECURITY_HEADERS}
            await send(message)

        receive = body.receive
        route = {DIRECT_CALL: Route.DIRECT, JOIN: Route.QUEUED}.get((method, path), Route.FRAME if frame else None)
        if route is not None and self.jobs is not None:  # the page's calls: checked whole (emotion.app.calls)
            call = await body.whole()
            if body.answered:
                return
            if problem := call_problem(self.jobs.blocks, call, route):
                return await refuse(scope, send, BadRequest(f"This call is not one the page makes: {problem}."))
            receive = body.replay(call)
        if (method, path) in FILE_CARRYING:
            held = self.clients.upload(client)
        elif (method, path) == ANSWERS:
            held = LISTENERS.listening(session_of(scope))
        else:
            held = contextlib.nullcontext()
        try:
            with held:
                await self.app(scope, receive, guarded_send)
        except TooManyRequests as problem:
            await refuse(scope, send, problem)
        except ClientDisconnect:  # an ordinary event, not a fault: one line, no traceback, no path
            if not body.answered:  # (a refused body's line is written already)
                log_refusal(499, method, path, "the client went away before its body arrived")
        except Exception as problem:  # a client's malformed call that Gradio does not answer itself: no traceback
            if body.started:
                log_refusal(500, method, path, where_it_failed(problem))
            else:
                await answer(scope, send, 500, "The server could not handle this request.", where_it_failed(problem))
        finally:
            if uploading and body.status != 200:
                remove_partial_uploads()


def where_it_failed(problem: Exception) -> str:
    """An exception's kind and the line that raised it, for one line of log in place of a traceback."""
    frames = traceback.extract_tb(problem.__traceback__)
    return f"{type(problem).__name__} at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""


def session_of(scope) -> str:
    """The session_hash a request's query names ("" for none)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return query.get("session_hash", [""])[0]


def too_many_jobs() -> str:
    return f"Too many analyses from your address at once (at most {CLIENT_JOBS}): wait for those under way."


class Body:
    """A request's body as the app reads it: counted, timed, and cut off with an answer of our own; an upload's parts
    counted and its bytes charged to its client's share of the cache."""

    def __init__(self, scope, receive, send, limit: int, seconds: float):
        self.scope, self.upstream, self.send, self.limit = scope, receive, send, limit
        self.deadline = asyncio.get_running_loop().time() + seconds
        self.received, self.complete, self.started, self.answered, self.status = 0, False, False, False, 0
        self.parts: Parts | None = None
        self.cache = None  # charges an upload's bytes to its client (emotion.app.clients.Clients.cache)

    async def receive(self):
        if self.answered:
            return {"type": "http.disconnect"}
        if self.complete:  # after the body the app only listens for a disconnect: no deadline then
            return await self.upstream()
        remaining = self.deadline - asyncio.get_running_loop().time()
        try:
            message = await asyncio.wait_for(self.upstream(), timeout=max(remaining, 0.001))
        except TimeoutError:
            return await self.refuse(UploadTooSlow("The upload took too long to arrive; please send it again."))
        if message["type"] != "http.request":
            return message
        chunk = message.get("body", b"")
        self.received += len(chunk)
        if self.received > self.limit:
            return await self.refuse(UploadTooLarge(too_large("upload", self.limit)))
        try:
            if self.parts is not None:
                self.parts.read(chunk)
            if self.cache is not None:
                self.cache(len(chunk))
        except (BadRequest, TooManyRequests, ServerBusy) as problem:
            return await self.refuse(problem)
        self.complete = not message.get("more_body", False)
        return message

    async def whole(self) -> bytes:
        """The whole body (a small one: its route's limit holds it), or what came of it before it was refused."""
        chunks = []
        while not self.complete and not self.answered:
            message = await self.receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
        return b"".join(chunks)

    def replay(self, data: bytes):
        """A receive that gives the app `data` as the body, then listens for a disconnect."""
        given = False

        async def receive():
            nonlocal given
            if given:
                return await self.receive()
            given = True
            return {"type": "http.request", "body": data, "more_body": False}

        return receive

    async def refuse(self, problem: Exception):
        if not self.started:
            await refuse(self.scope, self.send, problem)
            self.status = user_error(problem).status
        self.answered = True
        return {"type": "http.disconnect"}


class Parts:
    """A multipart body's parts, counted as it streams: BadRequest past MAX_UPLOAD_PARTS or for a file without a
    name (the first part's header)."""

    def __init__(self, content_type: str):
        boundary = re.search(r"boundary=\"?([^\";]+)", content_type)
        self.delimiter = b"--" + boundary[1].encode() if boundary else None
        self.tail, self.delimiters, self.head = b"", 0, b""

    def read(self, chunk: bytes) -> None:
        if len(self.head) < 4096:
            self.head += chunk[: 4096 - len(self.head)]
            if b'filename=""' in self.head:
                raise BadRequest("The upload has no file name.")
        if self.delimiter is None:
            return
        seen = self.tail + chunk
        self.delimiters += seen.count(self.delimiter)
        self.tail = seen[-(len(self.delimiter) - 1) :]
        if self.delimiters > MAX_UPLOAD_PARTS + 1:  # each part opens with one, and one closes the body
            raise BadRequest(f"An upload holds one file and at most {MAX_UPLOAD_PARTS} parts in all.")


async def refuse(scope, send, problem: Exception) -> None:
    """A refusal's answer (emotion.app.answers' status and message)."""
    known = user_error(problem)
    await answer(scope, send, known.status, known.message)


async def answer(scope, send, status: int, message: str, logged: str | None = None) -> None:
    """An error in the app's own shape, with the security headers, closing the connection; one line in the log
    (`logged`, else the message)."""
    log_refusal(status, scope["method"], scope["path"], logged or message)
    response = error_response(status, message, {"connection": "close"})
    response.raw_headers += SECURITY_HEADERS

    async def no_body():
        return {"type": "http.disconnect"}

    await response(scope, no_body, send)
