"""The plain REST endpoint beside the UI: POST /process_image, POST /process_video and GET /healthz.

Kept from the project this grew from: multipart field `file`, answer `{"result": <label>}`, now
with every face. Errors are JSON `{"error": message}` with a status that says what went wrong.
"""

import asyncio
import contextlib
import shutil
import threading
import time
from collections.abc import AsyncIterator, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from emotion.app.answers import BUSY, REFUSALS, BadRequest, ServerBusy, UploadTooLarge, error_response, user_error
from emotion.app.requestlog import log_request
from emotion.app.scratch import working_folder
from emotion.errors import too_large
from emotion.images import open_image
from emotion.limits import APP_LIMITS, MAX_PHOTO_BYTES, MULTIPART_ROOM
from emotion.predictor import Predictor
from emotion.video import Abandoned, analyse_clip

# Analyses at once (2 cores: more only share them) and how many more may wait; beyond that a request is
# answered 503 at once, with Retry-After, instead of waiting without end.
MAX_RUNNING = 4
MAX_WAITING = 32
WATCH_SECONDS = 0.5  # how often a clip's request is asked whether its client is still there
OTHER_METHODS = ["GET", "HEAD", "PUT", "PATCH", "DELETE"]  # answered 405 in the app's shape, not FastAPI's


class Capacity:
    """Admission for REST analyses: `running` at a time, `waiting` more in line, the rest refused."""

    def __init__(self, running: int = MAX_RUNNING, waiting: int = MAX_WAITING):
        self.limit = running + waiting
        self.admitted = 0
        self.running = asyncio.Semaphore(running)

    @contextlib.asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        """A place in line for one request, for the block; raises ServerBusy when the line is full."""
        if self.admitted >= self.limit:
            raise ServerBusy(BUSY)
        self.admitted += 1
        try:
            yield
        finally:
            self.admitted -= 1

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """A place in line, then one of the `running` turns, for the block."""
        async with self.place(), self.running:
            yield


def refused(problem: Exception, channel: str, size: int, started: float) -> JSONResponse:
    """The answer to a refusal (emotion.app.answers), logged as one line."""
    known = user_error(problem)
    log_request(channel, size, str(known.status), started)
    return error_response(known.status, known.message)


@contextlib.asynccontextmanager
async def uploaded_file(request: Request, max_bytes: int, what: str) -> AsyncIterator[UploadFile]:
    """The multipart field `file`, at most max_bytes, for the block; raises BadRequest or UploadTooLarge
    otherwise. Starlette spools it (in memory to 1 MB, beyond that in an unlinked temporary file), and nothing of
    it is kept after the block."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes + MULTIPART_ROOM:
        raise UploadTooLarge(too_large(what, max_bytes))
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadRequest(f"Send the {what} as multipart/form-data in a field named 'file'.")
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception as problem:  # starlette raises several types for malformed multipart bodies
        if "Too many files" in str(problem):
            raise BadRequest(f"Send one {what} in the field 'file', not several.") from None
        raise BadRequest("The request body is not valid multipart/form-data.") from None
    try:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise BadRequest(f"No file: send the {what} in a multipart field named 'file'.")
        if upload.size is not None and upload.size > max_bytes:
            raise UploadTooLarge(too_large(what, max_bytes))
        yield upload
    finally:
        await form.close()


def yes_or_no(text: str, name: str) -> bool:
    """A query parameter's true or false; BadRequest for anything else."""
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise BadRequest(f"{name} must be true or false, not {text[:20]!r}.")


def analyse_clip_upload(predictor: Predictor, upload: UploadFile, gone: Callable[[], bool]) -> dict:
    """A clip's analysis from its upload, through a file in the app's scratch folder (OpenCV reads files), removed
    at once; Abandoned once `gone()`."""
    with working_folder("emotion-clip-") as folder:
        path = folder / "clip"
        upload.file.seek(0)
        with path.open("wb") as file:
            shutil.copyfileobj(upload.file, file)
        return analyse_clip(predictor, path, gone=gone).to_dict()


@contextlib.asynccontextmanager
async def client_watch(request: Request) -> AsyncIterator[threading.Event]:
    """An event set once the client has closed its connection (looked at every WATCH_SECONDS), for the block."""
    gone = threading.Event()

    async def watch() -> None:
        while not await request.is_disconnected():
            await asyncio.sleep(WATCH_SECONDS)
        gone.set()

    watcher = asyncio.create_task(watch())
    try:
        yield gone
    finally:
        watcher.cancel()


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
            # The body first: a slow sender holds no analysis slot (emotion.app.guard bounds its size and time).
            async with uploaded_file(request, max_bytes, "photo") as upload:
                data = await upload.read()
            size = len(data)
            async with capacity.place():
                # Decoded before its turn: a large photo waits for decoding memory (emotion.images.DECODING), and
                # an ordinary one behind it does not wait for the turns large ones hold.
                image = await run_in_threadpool(open_image, data)
                async with capacity.running:
                    faces = await run_in_threadpool(predictor.predict, image, whole_image)
        except REFUSALS as problem:
            return refused(problem, "rest", size, started)
        log_request("rest", size, "200" if faces else "422", started, image.size, len(faces))
        if not faces:
            return error_response(
                422, "No face found in the photo. If it is already a cropped face, add ?whole_image=true."
            )
        return JSONResponse({"result": faces[0].label, "faces": [face.to_dict() for face in faces]})

    @router.post("/process_video")
    async def process_video(request: Request) -> JSONResponse:
        started, size = time.perf_counter(), 0
        try:
            async with uploaded_file(request, max_video_bytes, "clip") as upload:
                size = upload.size or 0
                async with clip_capacity.slot(), client_watch(request) as gone:
                    result = await run_in_threadpool(analyse_clip_upload, predictor, upload, gone.is_set)
        except REFUSALS as problem:
            return refused(problem, "rest-video", size, started)
        except Abandoned:  # nobody reads the answer: one line, and the clips behind go on
            log_request("rest-video", size, "499", started)
            return error_response(499, "The client closed the connection.")
        log_request("rest-video", size, "200" if result["faces"] else "422", started, None, len(result["faces"]))
        if not result["faces"]:
            return error_response(422, "No face found anywhere in the clip.")
        return JSONResponse(result)

    @router.api_route("/healthz", methods=["GET", "HEAD"])  # monitors often probe with HEAD
    def healthz() -> dict:
        card = predictor.model_card
        return {
            "status": "ok",
            "model": card.get("name", predictor.classifier.model.name),
            "version": card.get("version", ""),
        }

    @router.api_route("/process_image", methods=OTHER_METHODS, include_in_schema=False)
    @router.api_route("/process_video", methods=OTHER_METHODS, include_in_schema=False)
    def wrong_method(request: Request) -> JSONResponse:
        return error_response(405, f"{request.url.path} takes POST, not {request.method}.", {"Allow": "POST"})

    return router
