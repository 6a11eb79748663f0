"""32 requests at once get exactly the answers they get one at a time (the REST route bypasses Gradio's
queue, so the predictor itself must be safe to share between threads)."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
from PIL import Image

from harness.server import client
from tests.helpers import encode


def test_thirty_two_concurrent_requests_equal_sequential_answers(server, astronaut, two_faces):
    url, _ = server
    photos = [
        encode(Image.fromarray(astronaut), "JPEG"),
        encode(Image.fromarray(two_faces), "PNG"),
        encode(Image.fromarray(np.ascontiguousarray(astronaut[:, ::-1])), "WEBP"),
        encode(Image.fromarray(astronaut).resize((300, 300)), "BMP"),
    ]

    def ask(photo: bytes, index: int = 0) -> tuple[int, dict]:
        headers = client(f"10.0.1.{index}")  # 32 clients: one has at most CLIENT_UPLOADS in flight
        response = httpx.post(f"{url}/process_image", files={"file": ("photo", photo)}, headers=headers, timeout=120)
        return response.status_code, response.json()

    one_at_a_time = [ask(photo) for photo in photos]
    assert all(status == 200 for status, _ in one_at_a_time)
    assert len({str(body) for _, body in one_at_a_time}) == len(photos)  # four different answers to tell apart
    burst = [photos[index % len(photos)] for index in range(32)]
    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(ask, burst, range(len(burst))))
    for index, answer in enumerate(answers):
        assert answer == one_at_a_time[index % len(photos)], f"request {index} differs"


def test_a_full_line_is_answered_503_with_retry_after_at_once_and_the_rest_are_served(predictor, astronaut):
    """Two analyses may run and one wait; the fourth request at that moment is refused at once, not kept waiting."""
    import asyncio
    import time

    from fastapi import FastAPI

    from emotion.app.rest import Capacity, build_rest_router
    from tests.helpers import encode

    class Slow:
        model_card: dict = {}

        def predict(self, image, whole_image=False):
            time.sleep(1.0)
            return predictor.predict(image, whole_image)

    app = FastAPI()
    app.include_router(build_rest_router(Slow(), capacity=Capacity(running=2, waiting=1)))
    photo = encode(Image.fromarray(astronaut), "JPEG")

    async def post(client: httpx.AsyncClient) -> tuple[int, str | None, float]:
        started = time.perf_counter()
        response = await client.post("/process_image", files={"file": ("a.jpg", photo)})
        return response.status_code, response.headers.get("retry-after"), time.perf_counter() - started

    async def burst() -> list[tuple[int, str | None, float]]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=30
        ) as client:
            return await asyncio.gather(*(post(client) for _ in range(4)))

    answers = asyncio.run(burst())
    assert sorted(status for status, _, _ in answers) == [200, 200, 200, 503]
    [(_, retry_after, seconds)] = [answer for answer in answers if answer[0] == 503]
    assert retry_after == "5" and seconds < 0.5  # refused at once
