"""The plain REST endpoint beside the UI: POST /process_image, POST /process_video and GET /healthz.

Kept from the project this grew from: multipart field `file`, answer `{"result": <label>}`, now
with every face. Errors are JSON `{"error": message}` with a status that says what went wrong.
"""

import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from emotion.clip_limits import APP_LIMITS
from emotion.errors import VideoError, user_error
from emotion.images import MAX_PHOTO_BYTES, ImageError, open_image
from emotion.predictor import Predictor
from emotion.requestlog import log_request
from emotion.scratch import scratch_folder
from emotion.video import analyse_clip

# Analyses at once (2 cores: more only share them) and how many more may wait; beyond that a request is
# answered 503 at once, with Retry-After, instead of waiting without end.
MAX_RUNNING = 4
MAX_WAITING = 32
RETRY_AFTER_SECONDS = 5
BUSY = "The server is busy right now; please try again in a few seconds."


class Capacity:
    """Admission for REST analyses: `running` at a time, `waiting` more in line, the rest refused."""

    def __init__(self, running: int = MAX_RUNNING, waiting: int = MAX_WAITING):
        self.limit = running + waiting
        self.admitted = 0
        self.running = asyncio.Semaphore(running)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a place for one analysis; raises Refused(503) when the line is full."""
        if self.admitted >= self.limit:
            raise Refused(503, BUSY)
        self.admitted += 1
        try:
            async with self.running:
                yield
        finally:
            self.admitted -= 1


def error(status: int, message: str) -> JSONResponse:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def answer_user_error(problem: Exception, channel: str, size: int, started: float) -> JSONResponse:
    """The status and message emotion.errors gives an ordinary user error, logged as one line."""
    known = user_error(problem)
    log_request(channel, size, str(known.status), started)
    return error(known.status, known.message)


class Refused(Exception):
    """An upload answered with an error status before or instead of its analysis."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


async def read_upload(request: Request, max_bytes: int, what: str) -> bytes:
    """The bytes of the multipart field `file`, at most max_bytes; raises Refused (400, 413) otherwise.
    Nothing is kept: a spooled temporary file of the form is removed before this returns."""
    declared = request.headers.get("content-length")
    too_large = f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit."
    if declared and declared.isdigit() and int(declared) > max_bytes + 64 * 1024:
        raise Refused(413, too_large)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Refused(400, f"Send the {what} as multipart/form-data in a field named 'file'.")
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception:  # starlette raises several types for malformed multipart bodies
        raise Refused(400, "The request body is not valid multipart/form-data.") from None
    try:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Refused(400, f"No file: send the {what} in a multipart field named 'file'.")
        data = await upload.read(max_bytes + 1)
    finally:
        await form.close()
    if len(data) > max_bytes:
        raise Refused(413, too_large)
    return data


def yes_or_no(text: str, name: str) -> bool:
    """A query parameter's true or false; Refused(400) for anything else."""
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise Refused(400, f"{name} must be true or false, not {text[:20]!r}.")


def analyse_clip_bytes(predictor: Predictor, data: bytes) -> dict:
    """A clip's analysis from its bytes, through a temporary file (OpenCV reads files) removed at once."""
    with tempfile.TemporaryDirectory(prefix="emotion-clip-", dir=scratch_folder()) as folder:
        path = Path(folder) / "clip"
        path.write_bytes(data)
        return analyse_clip(predictor, path).to_dict()


def build_rest_router(
    predictor: Predictor,
    max_bytes: int = MAX_PHOTO_BYTES,
    max_video_bytes: int = APP_LIMITS.max_bytes,
    capacity: Capacity | None = None,
) -> APIRouter:
    router = APIRouter()
    capacity = capacity or Capacity()
    clip_capacity = Capacity(running=1, waiting=MAX_WAITING)  # one clip at a time (emotion.video.CLIP_BUDGET)

    @router.post("/process_image")
    async def process_image(request: Request) -> JSONResponse:
        started, size = time.perf_counter(), 0
        try:
            whole_image = yes_or_no(request.query_params.get("whole_image", "false"), "whole_image")
            # The body first: a slow sender holds no analysis slot (emotion.guard bounds its size and time).
            data = await read_upload(request, max_bytes, "photo")
            size = len(data)
            async with capacity.slot():
                image = await run_in_threadpool(open_image, data)
                faces = await run_in_threadpool(predictor.predict, image, whole_image)
        except Refused as refused:
            log_request("rest", size, str(refused.status), started)
            return error(refused.status, refused.message)
        except ImageError as problem:
            return answer_user_error(problem, "rest", size, started)
        log_request("rest", size, "200" if faces else "422", started, image.size, len(faces))
        if not faces:
            return error(422, "No face found in the photo. If it is already a cropped face, add ?whole_image=true.")
        return JSONResponse({"result": faces[0].label, "faces": [face.to_dict() for face in faces]})

    @router.post("/process_video")
    async def process_video(request: Request) -> JSONResponse:
        started, size = time.perf_counter(), 0
        try:
            data = await read_upload(request, max_video_bytes, "clip")
            size = len(data)
            async with clip_capacity.slot():
                result = await run_in_threadpool(analyse_clip_bytes, predictor, data)
        except Refused as refused:
            log_request("rest-video", size, str(refused.status), started)
            return error(refused.status, refused.message)
        except VideoError as problem:
            return answer_user_error(problem, "rest-video", size, started)
        log_request("rest-video", size, "200" if result["faces"] else "422", started, None, len(result["faces"]))
        if not result["faces"]:
            return error(422, "No face found anywhere in the clip.")
        return JSONResponse(result)

    @router.get("/healthz")
    def healthz() -> dict:
        card = predictor.model_card
        return {
            "status": "ok",
            "model": card.get("name", predictor.classifier.model.name),
            "version": card.get("version", ""),
        }

    return router
