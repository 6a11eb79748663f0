"""The plain REST endpoint beside the UI: POST /process_image and GET /healthz.

Kept from the project this grew from: multipart field `file`, answer `{"result": <label>}`, now
with every face. Errors are JSON `{"error": message}` with a status that says what went wrong.
"""

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from emotion.images import ImageError, ImageTooLarge, open_image
from emotion.predictor import Predictor
from emotion.requestlog import log_request

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def build_rest_router(predictor: Predictor, max_bytes: int = MAX_UPLOAD_BYTES) -> APIRouter:
    router = APIRouter()
    too_large = f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit."

    @router.post("/process_image")
    async def process_image(request: Request, whole_image: bool = False) -> JSONResponse:
        started = time.perf_counter()
        declared = request.headers.get("content-length")
        size = int(declared) if declared and declared.isdigit() else 0

        def refuse(status: int, message: str) -> JSONResponse:
            log_request("rest", size, str(status), started)
            return error(status, message)

        if size > max_bytes + 64 * 1024:
            return refuse(413, too_large)
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            return refuse(400, "Send the photo as multipart/form-data in a field named 'file'.")
        try:
            form = await request.form(max_files=1, max_fields=10)
        except Exception:  # starlette raises several types for malformed multipart bodies
            return refuse(400, "The request body is not valid multipart/form-data.")
        try:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                return refuse(400, "No file: send the photo in a multipart field named 'file'.")
            data = await upload.read(max_bytes + 1)
        finally:
            await form.close()  # removes any spooled temporary file: nothing uploaded is kept
        size = len(data)
        if size > max_bytes:
            return refuse(413, too_large)
        try:
            image = await run_in_threadpool(open_image, data)
        except ImageTooLarge as problem:
            return refuse(413, str(problem))
        except ImageError as problem:
            return refuse(400, str(problem))
        faces = await run_in_threadpool(predictor.predict, image, whole_image)
        log_request("rest", size, "200" if faces else "422", started, image.size, len(faces))
        if not faces:
            return error(422, "No face found in the photo. If it is already a cropped face, add ?whole_image=true.")
        return JSONResponse({"result": faces[0].label, "faces": [face.to_dict() for face in faces]})

    @router.get("/healthz")
    def healthz() -> dict:
        card = predictor.model_card
        return {"status": "ok", "model": card.get("name", predictor.classifier.model.name),
                "version": card.get("version", "")}

    return router
