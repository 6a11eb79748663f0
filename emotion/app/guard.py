"""One ASGI middleware in front of the whole app (page, Gradio's routes, REST) that no client gets past:

- every body is counted while it streams and stopped at its route's limit plus one byte (413), Content-Length or
  not, and must arrive within its route's time (408), so a slow or endless upload holds nothing for long;
- routes the page does not use are closed (404);
- a file's Range request is checked (416 when malformed), and its answer carries no request header back;
- every answer carries nosniff, a referrer policy and the frames that may embed the page (the Hugging Face Hub).
"""

import asyncio
import logging
import re

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect

from emotion.app.answers import BadRequest, UploadTooLarge, UploadTooSlow, error_response, user_error
from emotion.errors import too_large
from emotion.limits import APP_LIMITS, MAX_PHOTO_BYTES, MULTIPART_ROOM

logger = logging.getLogger("emotion.requests")
# (method, path or path prefix): the most a body may hold, and the seconds it may take to arrive.
BODY_LIMITS = {
    ("POST", "/process_image"): (MAX_PHOTO_BYTES + MULTIPART_ROOM, 30),
    ("POST", "/process_video"): (APP_LIMITS.max_bytes + MULTIPART_ROOM, 120),
    ("POST", "/gradio_api/upload"): (APP_LIMITS.max_bytes + MULTIPART_ROOM, 120),
}
OTHER_BODY_LIMIT = (MAX_PHOTO_BYTES + MULTIPART_ROOM, 30)  # the queue's JSON, a live frame, ...
# Gradio's routes the page never calls: recording conversion, the reload stream of dev mode, the dashboard.
CLOSED = ("/gradio_api/process_recording", "/gradio_api/dev/reload", "/gradio_api/monitoring", "/monitoring")
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
    return any(path == route or path.startswith(route + "/") for route in CLOSED)


class Guard:
    """Wraps an ASGI app (Gradio's FastAPI app) in the rules above; `limits` and `other` as BODY_LIMITS and
    OTHER_BODY_LIMIT."""

    def __init__(self, app, limits: dict = BODY_LIMITS, other: tuple[int, float] = OTHER_BODY_LIMIT):
        self.app, self.limits, self.other = app, limits, other

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, method, headers = scope["path"], scope["method"], Headers(scope=scope)
        if is_closed(path):
            return await answer(scope, send, 404, "Not found.")
        is_file = path.startswith(FILE_ROUTE)
        if is_file and "range" in headers and not ONE_RANGE.fullmatch(headers["range"].strip()):
            return await answer(scope, send, 416, "The Range header asks for something this server does not serve.")
        limit, seconds = self.limits.get((method, path), self.other)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return await refuse(scope, send, UploadTooLarge(too_large("upload", limit)))
        body = Body(scope, receive, send, limit, seconds, checks_name=path == "/gradio_api/upload")

        async def guarded_send(message):
            if body.answered:
                return
            if message["type"] == "http.response.start":
                body.started = True
                kept = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if not is_file or name.lower() in FILE_HEADERS
                ]
                message = {**message, "headers": kept + SECURITY_HEADERS}
            await send(message)

        try:
            await self.app(scope, body.receive, guarded_send)
        except ClientDisconnect:  # an ordinary event, not a fault: one line, no traceback, no path
            logger.info("%s request: the client went away before its body arrived", method)


class Body:
    """A request's body as the app reads it: counted, timed, and cut off with an answer of our own."""

    def __init__(self, scope, receive, send, limit: int, seconds: float, checks_name: bool):
        self.scope, self.upstream, self.send, self.limit, self.checks_name = scope, receive, send, limit, checks_name
        self.deadline = asyncio.get_running_loop().time() + seconds
        self.received, self.complete, self.started, self.answered = 0, False, False, False
        self.head = b""  # the first bytes, where a multipart form names its file

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
        if self.checks_name and len(self.head) < 4096:
            self.head += chunk[:4096]
            if b'filename=""' in self.head:
                return await self.refuse(BadRequest("The upload has no file name."))
        self.complete = not message.get("more_body", False)
        return message

    async def refuse(self, problem: Exception):
        if not self.started:
            await refuse(self.scope, self.send, problem)
        self.answered = True
        return {"type": "http.disconnect"}


async def refuse(scope, send, problem: Exception) -> None:
    """A refusal's answer (emotion.app.answers' status and message)."""
    known = user_error(problem)
    await answer(scope, send, known.status, known.message)


async def answer(scope, send, status: int, message: str) -> None:
    """An error in the app's own shape, with the security headers, closing the connection."""
    response = error_response(status, message, {"connection": "close"})
    response.raw_headers += SECURITY_HEADERS

    async def no_body():
        return {"type": "http.disconnect"}

    await response(scope, no_body, send)
