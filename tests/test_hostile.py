"""Hostile clients: stalled and endless uploads, routes the page does not use, reflected headers, lying clips,
bad parameters, and what a crash leaves on disk. Each test is one defect that was there before emotion.app.guard
and emotion.app.scratch."""

import asyncio
import logging
import socket
import time

import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from emotion import draw_faces
from emotion.app import scratch
from emotion.app.clients import CLIENT_UPLOADS
from emotion.app.guard import Guard
from emotion.images import open_image, photo_scale
from emotion.limits import ANALYSED_SIDE
from harness.server import client, stalled_uploads
from tests.helpers import encode


async def small_app(scope, receive, send):
    """Reads its whole body, then answers how many bytes it got."""
    received = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        received += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": str(received).encode()})


def call(guard: Guard, chunks, headers=(), path="/upload", delay: float = 0.0) -> tuple[int, int, bytes]:
    """The guard's status and body for a POST whose body comes in `chunks` (`delay` s apart), and how many
    chunks it read."""
    sent, answer = [], {}

    async def receive():
        await asyncio.sleep(delay)
        index = len(sent)
        sent.append(index)
        if index >= len(chunks):
            await asyncio.sleep(3600)  # a client that never sends the rest
        return {"type": "http.request", "body": chunks[index], "more_body": index < len(chunks) - 1}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"], answer["headers"] = message["status"], dict(message["headers"])
        else:
            answer["body"] = answer.get("body", b"") + message.get("body", b"")

    scope = {"type": "http", "method": "POST", "path": path, "headers": [(k.encode(), v.encode()) for k, v in headers]}
    asyncio.run(asyncio.wait_for(guard(scope, receive, send), timeout=30))
    return answer["status"], len(sent), answer["body"]


def test_a_body_without_a_length_stops_at_the_limit_plus_one_byte():
    guard = Guard(small_app, limits={("POST", "/upload"): (1000, 10)})
    status, read, body = call(guard, [b"x" * 300] * 100)  # 30 kB, chunked: no Content-Length
    assert status == 413 and read == 4 and b"limit" in body  # 1,200 bytes read of 30,000: refused while it streams
    assert call(guard, [b"x" * 500, b"x" * 500])[0] == 200  # at the limit: served


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    guard = Guard(small_app, limits={("POST", "/upload"): (1000, 10)})
    status, read, _ = call(guard, [b"x"], headers=[("content-length", "5000")])
    assert status == 413 and read == 0


def test_a_body_that_does_not_arrive_in_time_gets_408():
    guard = Guard(small_app, limits={("POST", "/upload"): (10_000, 1.0)})
    started = time.monotonic()
    status, _, body = call(guard, [b"x" * 100] * 3, delay=0.6)  # the second chunk comes after 1.2 s
    assert status == 408 and b"too long" in body and time.monotonic() - started < 5


def test_an_upload_with_an_empty_file_name_is_refused():
    guard = Guard(small_app)
    form = b'--XX\r\nContent-Disposition: form-data; name="files"; filename=""\r\n\r\nabc\r\n--XX--\r\n'
    assert call(guard, [form], path="/gradio_api/upload")[0] == 400


def test_stalled_uploads_do_not_block_the_others(server, astronaut):
    url, _ = server
    assert url.startswith("http://127.0.0.1:")
    idle = stalled_uploads(url, [f"10.0.0.{index}" for index in range(8)])  # twice the analyses that run at once
    try:
        photo = encode(Image.fromarray(astronaut), "JPEG")
        for _ in range(3):
            started = time.monotonic()
            response = httpx.post(f"{url}/process_image", files={"file": ("a.jpg", photo)}, timeout=15)
            assert response.status_code == 200 and time.monotonic() - started < 10
    finally:
        for connection in idle:
            connection.close()


def test_one_client_has_at_most_a_few_uploads_in_flight_and_the_next_is_429_at_once(server, astronaut):
    url, _ = server
    idle = stalled_uploads(url, ["10.0.0.99"] * CLIENT_UPLOADS)
    try:
        photo = encode(Image.fromarray(astronaut), "JPEG")
        time.sleep(1.0)  # the stalled requests have reached the guard
        started = time.monotonic()
        refused = httpx.post(f"{url}/process_image", files={"file": ("a.jpg", photo)}, headers=client("10.0.0.99"))
        assert refused.status_code == 429 and refused.headers["retry-after"] == "5"
        assert "at once" in refused.json()["error"] and time.monotonic() - started < 1
        other = httpx.post(f"{url}/process_image", files={"file": ("a.jpg", photo)}, headers=client("10.0.0.98"))
        assert other.status_code == 200
    finally:
        for connection in idle:
            connection.close()


@pytest.mark.parametrize(
    "path",
    [
        "/gradio_api/process_recording",
        "/gradio_api/dev/reload",
        "/monitoring",
        "/monitoring/summary",
        "/gradio_api/monitoring",
    ],
)
def test_routes_the_page_does_not_use_are_closed(server, path):
    url, _ = server
    for method in ("GET", "POST"):
        response = httpx.request(method, f"{url}{path}", timeout=10)
        assert response.status_code == 404 and response.json() == {"error": "Not found."}


def test_the_routes_the_page_needs_stay_open_and_every_answer_has_the_security_headers(server):
    url, _ = server
    for path in ("/", "/config", "/gradio_api/info", "/healthz"):
        response = httpx.get(f"{url}{path}", timeout=30)
        assert response.status_code == 200, path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "frame-ancestors 'self' https://huggingface.co" in response.headers["content-security-policy"]


def test_a_ranged_file_carries_no_request_header_back_and_a_bad_range_is_416(server, astronaut, tmp_path):
    url, _ = server
    photo = tmp_path / "mirrored.png"  # not a photo other tests send: Gradio's cache names files by their content
    Image.fromarray(astronaut[:, ::-1]).save(photo)
    annotated = Client(url, verbose=False, download_files=False).predict(handle_file(str(photo)), api_name="/predict")
    file_url = annotated[0]["url"]
    secret = {"Cookie": "session=secret", "Authorization": "Bearer secret", "Range": "bytes=0-99"}
    response = httpx.get(file_url, headers=secret, timeout=10)
    assert response.status_code == 206 and len(response.content) == 100
    assert "secret" not in str(response.headers).lower()
    assert httpx.get(file_url, headers={"Range": "bytes=0-1-2"}, timeout=10).status_code == 416


def test_a_bad_parameter_is_400_in_the_apps_own_shape(server, astronaut):
    url, _ = server
    photo = encode(Image.fromarray(astronaut), "JPEG")
    response = httpx.post(f"{url}/process_image?whole_image=maybe", files={"file": ("a.jpg", photo)}, timeout=30)
    assert response.status_code == 400 and "whole_image" in response.json()["error"]
    assert (
        httpx.post(f"{url}/process_image?whole_image=true", files={"file": ("a.jpg", photo)}, timeout=30).status_code
        == 200
    )


def test_a_large_photo_is_analysed_reduced_and_its_boxes_come_back_in_its_own_pixels(predictor, astronaut, tmp_path):
    small = Image.fromarray(astronaut)
    large = small.resize((6144, 6144))  # 37.7 megapixels, 12x the astronaut
    path = tmp_path / "large.jpg"
    large.save(path, quality=90)
    opened = open_image(path)
    assert max(opened.size) <= ANALYSED_SIDE and photo_scale(opened) == pytest.approx(6144 / max(opened.size))
    [face] = predictor.predict(opened)
    [expected] = predictor.predict(small)
    x, y, w, h = face.box
    assert x + w <= 6144 and y + h <= 6144
    assert np.allclose(face.box, np.array(expected.box) * 12, atol=12 * 6)  # the same face, in the large photo's pixels
    assert draw_faces(opened, [face]).size == opened.size  # drawn where it is on the reduced picture


def test_ordinary_events_log_one_line_without_a_traceback_or_the_clients_path(server, caplog, capfd):
    url, _ = server
    host, port = url.removeprefix("http://").split(":")
    with caplog.at_level(logging.INFO):
        assert httpx.get(f"{url}/gradio_api/file=/etc/passwd", timeout=10).status_code in (403, 404)
        connection = socket.create_connection((host, int(port)))  # an upload whose sender goes away half-way
        connection.sendall(
            b"POST /gradio_api/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
            b"boundary=XX\r\nContent-Length: 1000000\r\n\r\n--XX\r\nContent-Disposition: form-data; "
            b'name="files"; filename="a.jpg"\r\n\r\n' + b"x" * 100_000
        )
        connection.close()
        time.sleep(2)
        assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200
    printed = capfd.readouterr().err  # what the server's own loggers (uvicorn's) print
    assert "Traceback" not in printed and "passwd" not in printed
    server_side = [record for record in caplog.records if not record.name.startswith("httpx")]  # not our client's
    assert not [record for record in server_side if record.exc_info]
    assert not [record for record in server_side if "passwd" in record.getMessage()]


def test_the_example_photos_survive_the_start_and_the_sweep(server):
    url, app = server
    samples = [
        sample[0]
        for component in httpx.get(f"{url}/config", timeout=30).json()["components"]
        if component.get("type") == "dataset"
        for sample in component["props"]["samples"]
    ]
    assert len(samples) >= 5
    scratch.sweep(age_seconds=-1, keep=app.demo.kept_files())  # everything is old enough to go, but these
    for sample in samples:
        assert httpx.get(sample["url"], timeout=30).status_code == 200, sample["orig_name"]
