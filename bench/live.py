"""Live webcam mode: result updates a second in a real browser, files written to the cache, and what the
smoothing does on a recorded sequence.

    python -m bench.live [--seconds 20] [--photo assets/examples/astronaut.jpg] [--change-to PHOTO]

1. Starts `python app.py` on a free loopback port, opens it in Debian's Chromium with a fake camera that
   plays a moving crop of a face photo (so every frame, and its result, differs), switches the Webcam tab
   to Live, records, and counts how often the live view changes and how many files the app's cache gained.
2. Replays the same recorded frames (and, with --change-to, then frames of another photo: a real change
   of expression) through the Predictor at the measured update interval, and counts frame-to-frame label
   changes of the largest face without and with emotion.tracking's smoothing, and how much later the
   smoothed label follows the real change.
"""

import argparse
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import sync_playwright

from emotion.predictor import Predictor
from emotion.tracking import FaceTracker
from harness.browser import launch_chromium, moving_frames, start_camera, write_y4m
from harness.machine import describe_machine
from harness.server import running_app

WATCH_LIVE_VIEW = """() => {
    window.resultTimes = [];
    let shown = null;
    new MutationObserver(() => {
        const image = document.querySelector('#live-view img');
        if (image && image.src !== shown) { shown = image.src; window.resultTimes.push(performance.now()); }
    }).observe(document.querySelector('#live-view'), {subtree: true, childList: true, attributes: true});
}"""


def measure(url: str, camera_video: Path, seconds: float) -> np.ndarray:
    """Times (ms, page clock) at which the live view showed a new result while the live stream ran."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, camera_video)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.get_by_role("tab", name="Webcam").click()
        page.get_by_text("Live", exact=True).click()
        start_camera(page, "#live-input")
        page.wait_for_selector("#live-view", state="attached")  # shown once the switch to Live has gone through
        page.evaluate(WATCH_LIVE_VIEW)
        page.get_by_label("capture photo").click()
        page.wait_for_timeout(seconds * 1000)
        times = np.array(page.evaluate("window.resultTimes"), dtype=float)
        browser.close()
    return times


def labels_over(
    predictor: Predictor, frames: list[Image.Image], interval: float, same_place: bool = False
) -> tuple[list, list]:
    """The largest face's label per frame, as each frame comes (raw) and through a FaceTracker. With
    same_place, every face is given the first frame's box: one person whose expression changes in place
    (the photos of a spliced sequence show different people at different places)."""
    tracker, raw, smoothed = FaceTracker(), [], []
    first_box = None
    for index, frame in enumerate(frames):
        faces = predictor.predict(frame)[:1]
        if not faces:
            raw.append(None)
            smoothed.append(None)
            continue
        first_box = first_box or faces[0].box
        if same_place:
            faces = [replace(faces[0], box=first_box)]
        tracked = tracker.update(faces, index * interval)
        raw.append(faces[0].label)
        smoothed.append(tracked[0].face.label)
    return raw, smoothed


def flips(labels: list) -> int:
    return sum(a != b for a, b in zip(labels, labels[1:], strict=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--photo", type=Path, default=Path("assets/examples/astronaut.jpg"))
    parser.add_argument("--change-to", type=Path, default=None, help="a photo with another expression")
    parser.add_argument(
        "--sequences",
        type=Path,
        nargs="*",
        default=[],
        help="more photos whose moving crops are replayed for label flips (200 px and larger)",
    )
    arguments = parser.parse_args()
    frames = moving_frames(Image.open(arguments.photo))
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "cache"
        os.environ["GRADIO_TEMP_DIR"] = str(cache)  # running_app passes the environment on
        with running_app() as app:
            video = write_y4m(frames, Path(folder) / "camera.y4m")
            times = measure(app.url, video, arguments.seconds)
        cache_files = sum(1 for path in cache.rglob("*") if path.is_file()) if cache.exists() else 0
    if len(times) < 3:
        raise SystemExit(f"only {len(times)} updates reached the page in {arguments.seconds} s")
    steady = times[1:]  # the first update includes the stream's start-up
    gaps = np.diff(steady)
    rate = (len(steady) - 1) / ((steady[-1] - steady[0]) / 1000)
    print(
        f"updates: {len(times)} in {arguments.seconds:.0f} s; steady rate {rate:.1f} updates/s; "
        f"gap between updates p50 {np.percentile(gaps, 50):.0f} ms, p95 {np.percentile(gaps, 95):.0f} ms; "
        f"files written to the cache: {cache_files} ({describe_machine()})"
    )

    predictor, interval = Predictor.load(), 1 / rate
    total_raw = total_smoothed = 0
    for photo in [arguments.photo, *arguments.sequences]:
        recorded = moving_frames(Image.open(photo)) * 2  # the fake camera's loop, twice
        raw, smoothed = labels_over(predictor, recorded, interval)
        total_raw, total_smoothed = total_raw + flips(raw), total_smoothed + flips(smoothed)
        print(
            f"{photo.parent.name}/{photo.name}: {len(recorded)} frames at {interval * 1000:.0f} ms, label changes "
            f"between frames {flips(raw)} raw, {flips(smoothed)} smoothed"
        )
    print(f"all sequences: {total_raw} raw, {total_smoothed} smoothed")
    if arguments.change_to:
        second = moving_frames(Image.open(arguments.change_to))
        raw, smoothed = labels_over(predictor, frames + second, interval, same_place=True)
        before, after = raw[len(frames) - 1], raw[len(frames) :]
        raw_at = next((i for i, label in enumerate(after) if label != before), None)
        smoothed_at = next((i for i, label in enumerate(smoothed[len(frames) :]) if label == after[-1]), None)
        if before == after[-1]:
            print(f"no change of label: the model reads both photos as {before}")
        elif raw_at is None or smoothed_at is None:
            print(f"change {before} -> {after[-1]}: the smoothed label did not follow")
        else:
            print(
                f"change {before} -> {after[-1]}: raw label after {raw_at * interval * 1000:.0f} ms, smoothed "
                f"after {smoothed_at * interval * 1000:.0f} ms ({(smoothed_at - raw_at) * interval * 1000:.0f} ms "
                f"later)"
            )


if __name__ == "__main__":
    main()
