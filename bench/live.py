"""Live webcam mode in a real browser: how many result updates a second reach the page.

Starts `python app.py` on a free loopback port, opens it in Debian's Chromium with a fake camera that
plays a moving crop of a face photo (so every frame, and its result, differs), switches the Webcam tab
to Live, records, and counts how often the annotated image changes.

    python -m bench.live [--seconds 20] [--photo assets/examples/astronaut.jpg]
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import sync_playwright

from bench.browser import launch_chromium, moving_frames, start_camera, write_y4m
from bench.server import running_app

WATCH_ANNOTATED_IMAGE = """() => {
    window.resultTimes = [];
    let shown = null;
    new MutationObserver(() => {
        const image = document.querySelector('#annotated img');
        if (image && image.src !== shown) { shown = image.src; window.resultTimes.push(performance.now()); }
    }).observe(document.querySelector('#annotated'), {subtree: true, childList: true, attributes: true});
}"""


def measure(url: str, camera_video: Path, seconds: float) -> np.ndarray:
    """Times (ms, page clock) at which the annotated image showed a new result while the live stream ran."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, camera_video)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.get_by_role("tab", name="Webcam").click()
        page.get_by_text("Live", exact=True).click()
        start_camera(page)
        page.evaluate(WATCH_ANNOTATED_IMAGE)
        page.get_by_label("capture photo").click()
        page.wait_for_timeout(seconds * 1000)
        times = np.array(page.evaluate("window.resultTimes"), dtype=float)
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--photo", type=Path, default=Path("assets/examples/astronaut.jpg"))
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, running_app() as app:
        video = write_y4m(moving_frames(Image.open(arguments.photo)), Path(folder) / "camera.y4m")
        times = measure(app.url, video, arguments.seconds)
    if len(times) < 3:
        raise SystemExit(f"only {len(times)} updates reached the page in {arguments.seconds} s")
    steady = times[1:]  # the first update includes the stream's start-up
    gaps = np.diff(steady)
    rate = (len(steady) - 1) / ((steady[-1] - steady[0]) / 1000)
    print(f"updates: {len(times)} in {arguments.seconds:.0f} s; steady rate {rate:.1f} updates/s; "
          f"gap between updates p50 {np.percentile(gaps, 50):.0f} ms, p95 {np.percentile(gaps, 95):.0f} ms")


if __name__ == "__main__":
    main()
