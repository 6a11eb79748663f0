"""32 requests at once get exactly the answers they get one at a time (the REST route bypasses Gradio's
queue, so the predictor itself must be safe to share between threads)."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
from PIL import Image

from tests.conftest import encode


def test_thirty_two_concurrent_requests_equal_sequential_answers(server, astronaut, two_faces):
    url, _ = server
    photos = [
        encode(Image.fromarray(astronaut), "JPEG"),
        encode(Image.fromarray(two_faces), "PNG"),
        encode(Image.fromarray(np.ascontiguousarray(astronaut[:, ::-1])), "WEBP"),
        encode(Image.fromarray(astronaut).resize((300, 300)), "BMP"),
    ]

    def ask(photo: bytes) -> tuple[int, dict]:
        response = httpx.post(f"{url}/process_image", files={"file": ("photo", photo)}, timeout=120)
        return response.status_code, response.json()

    one_at_a_time = [ask(photo) for photo in photos]
    assert all(status == 200 for status, _ in one_at_a_time)
    assert len({str(body) for _, body in one_at_a_time}) == len(photos)  # four different answers to tell apart
    burst = [photos[index % len(photos)] for index in range(32)]
    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(ask, burst))
    for index, answer in enumerate(answers):
        assert answer == one_at_a_time[index % len(photos)], f"request {index} differs"
