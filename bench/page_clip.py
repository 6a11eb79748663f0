"""The page's clip against REST's: the same generated clip (bench.video's, 720p at 30 frames a second) analysed
through `POST /process_video` and through the page's own event (`/predict_video`, what the Video tab's button
runs, progress bar and annotated clip included, from Analyse pressed: the clip was uploaded when chosen), on one
app launched on loopback, one after the other.

    python -m bench.page_clip [--seconds 60] [--rounds 2]

Prints each route's time per round, the ratio, and the CPU beside them.
"""

import argparse
import tempfile
import time
from pathlib import Path

import httpx
from gradio_client import Client

from emotion.app.demo import build_demo
from emotion.predictor import Predictor
from harness.clips import benchmark_clip
from harness.machine import describe_machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    arguments = parser.parse_args()
    demo = build_demo(Predictor.load())
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
    url = url.rstrip("/")
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "clip.mp4"
        benchmark_clip(clip, arguments.seconds)
        client = Client(url, verbose=False, download_files=folder)
        for round_number in range(1, arguments.rounds + 1):
            started = time.perf_counter()
            with clip.open("rb") as upload:
                answer = httpx.post(f"{url}/process_video", files={"file": upload}, timeout=600)
            rest = time.perf_counter() - started
            with clip.open("rb") as upload:  # the page uploads a clip when it is chosen, before Analyse is pressed
                [cached] = httpx.post(f"{url}/gradio_api/upload", files={"files": upload}, timeout=600).json()
            started = time.perf_counter()
            chosen = {"path": cached, "meta": {"_type": "gradio.FileData"}}
            _, _, message = client.predict(chosen, api_name="/predict_video")
            page = time.perf_counter() - started
            print(
                f"round {round_number}: REST {rest:.1f} s ({answer.status_code}), page {page:.1f} s "
                f"({message[:40]}...): page/REST {page / rest:.2f}; {describe_machine()}"
            )
    demo.close()


if __name__ == "__main__":
    main()
