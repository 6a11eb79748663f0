"""A soak of the real app: REST requests, live webcam streams and clip jobs at once, then errors, latency and
whether the server's memory grew.

    python -m bench.soak [--requests 10000] [--concurrency 16] [--streams 4] [--photos ../shared/photos-dev]

Starts `python app.py` in a child process. Then twice, the first time as the warm-up (a tenth of the
requests), together: REST photo requests with `concurrency` in flight (bench.load), `streams` live views in one
headless Chromium (a fake camera each, Live on for the stream's full length, LIVE_SECONDS), and a clip job
(POST /process_video, a generated 10 s 720p clip) after another while the requests last. Prints each part's
answers and errors, the REST latency percentiles, and the server's resident memory at the end of the warm-up
and at the end (what the warm-up allocated, every path's first buffers and thread pools, is not a leak).
"""

import argparse
import asyncio
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np
from PIL import Image
from playwright.sync_api import sync_playwright

from bench.load import fire, load_photos, report
from bench.video import panning_frames, write_clip
from emotion.images import open_image, to_rgb_array
from harness.browser import launch_chromium, moving_frames, start_camera, write_y4m
from harness.machine import describe_machine
from harness.server import ROOT, running_app

LIVE_SECONDS = 60  # app.py's limit on one stream


def live_streams(url: str, count: int, camera: Path, results: dict) -> None:
    """`count` pages in one Chromium, each running Live for its full length; counts updates and error notices."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, camera)
        pages = []
        for _ in range(count):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url)
            page.get_by_role("tab", name="Webcam").click()
            page.get_by_text("Live", exact=True).click()
            start_camera(page, "#live-input")
            page.get_by_label("capture photo").click()
            pages.append(page)
        updates, last = [0] * count, [None] * count
        ends = time.monotonic() + LIVE_SECONDS
        while time.monotonic() < ends:
            for index, page in enumerate(pages):
                source = (
                    page.locator("#live-view img").first.get_attribute("src")
                    if page.locator("#live-view img").count()
                    else None
                )
                if source and source != last[index]:
                    updates[index], last[index] = updates[index] + 1, source
            time.sleep(0.05)
        results["updates"] = updates
        results["notices"] = [text for page in pages for text in page.locator(".toast-body").all_inner_texts()]
        browser.close()


def clip_jobs(url: str, clip: bytes, stop: threading.Event, results: Counter) -> None:
    with httpx.Client(timeout=300) as client:
        while not stop.is_set():
            try:
                results[client.post(f"{url}/process_video", files={"file": ("clip.mp4", clip)}).status_code] += 1
            except httpx.HTTPError as problem:
                results[type(problem).__name__] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--streams", type=int, default=4)
    parser.add_argument("--photos", type=Path, default=ROOT.parent / "shared" / "photos-dev")
    arguments = parser.parse_args()
    photos = load_photos(arguments.photos if arguments.photos.is_dir() else None, 200)
    astronaut = to_rgb_array(open_image(ROOT / "assets" / "examples" / "astronaut.jpg"))
    with tempfile.TemporaryDirectory() as folder:
        camera = write_y4m(moving_frames(Image.fromarray(astronaut)), Path(folder) / "camera.y4m")
        clip_path = Path(folder) / "clip.mp4"
        write_clip(clip_path, panning_frames(astronaut, 10))
        clip = clip_path.read_bytes()
        with running_app() as app:
            for name, requests in (("warm-up", arguments.requests // 10), ("soak", arguments.requests)):
                live, clips = mixed_load(app.url, photos, requests, arguments, camera, clip)
                print(f"== {name}: {describe_machine()}, server memory {app.resident_mb():.0f} MB", flush=True)
                report("REST photos", *live.pop("rest"))
                print(
                    f"live streams: {arguments.streams} for {LIVE_SECONDS} s each, updates per stream "
                    f"{live['updates']} ({np.mean(live['updates']) / LIVE_SECONDS:.1f}/s on average), "
                    f"notices on the pages: {live['notices']}"
                )
                print(f"clip jobs (10 s 720p each) while the requests ran: {dict(clips)}", flush=True)
            healthy = httpx.get(f"{app.url}/healthz", timeout=10).status_code == 200
            print(f"/healthz after the soak: {'200 ok' if healthy else 'FAILED'}")


def mixed_load(
    url: str, photos: list[bytes], requests: int, arguments: argparse.Namespace, camera: Path, clip: bytes
) -> tuple[dict, Counter]:
    """REST requests, live streams and clip jobs at once; the live results (with the REST ones under "rest")
    and the clip answers."""
    live, clips, stop = {}, Counter(), threading.Event()
    streams = threading.Thread(target=live_streams, args=(url, arguments.streams, camera, live))
    jobs = threading.Thread(target=clip_jobs, args=(url, clip, stop, clips))
    streams.start()
    jobs.start()
    live["rest"] = asyncio.run(fire(url, photos, requests, arguments.concurrency))
    stop.set()
    streams.join()
    jobs.join()
    return live, clips


if __name__ == "__main__":
    main()
