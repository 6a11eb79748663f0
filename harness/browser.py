"""Debian's Chromium driven by Playwright, with an optional fake camera: shared by the browser tests,
the live-mode benchmark and the README screenshot.

Playwright's own browser download does not work here, so the executable is the system one
(CHROMIUM, or the first of chromium / chromium-browser / google-chrome on PATH).
"""

import os
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A phone screen as Chromium emulates it: an iPhone 12/13/14-sized viewport with touch.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
FAKE_CAMERA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


def find_chromium() -> str | None:
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


def launch_chromium(playwright, camera_video: Path | None = None):
    """A headless Chromium; with camera_video (.y4m) it is what getUserMedia sees, and no permission prompt."""
    executable = find_chromium()
    if executable is None:
        raise FileNotFoundError("No Chromium found: apt-get install chromium, or set CHROMIUM to its path.")
    arguments = list(CHROMIUM_ARGS)
    if camera_video is not None:
        arguments += FAKE_CAMERA_ARGS + [f"--use-file-for-fake-video-capture={camera_video}"]
    return playwright.chromium.launch(executable_path=executable, args=arguments)


def write_y4m(frames: list[Image.Image], path: Path, fps: int = 15) -> Path:
    """Photos as a YUV4MPEG2 (4:2:0) video, the format Chromium's fake camera reads (and loops)."""
    width, height = (size - size % 2 for size in frames[0].size)  # 4:2:0 needs even sides
    header = f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode()
    with path.open("wb") as video:
        video.write(header)
        for frame in frames:
            luma, blue, red = frame.convert("RGB").crop((0, 0, width, height)).convert("YCbCr").split()
            half = (width // 2, height // 2)
            video.write(
                b"FRAME\n"
                + np.asarray(luma).tobytes()
                + np.asarray(blue.resize(half)).tobytes()
                + np.asarray(red.resize(half)).tobytes()
            )
    return path


def moving_frames(photo: Image.Image, count: int = 30, size: int = 320, step: int = 2) -> list[Image.Image]:
    """Square crops sliding across the photo and back, so consecutive camera frames (and their results)
    differ while the face moves smoothly, as in front of a real camera, also when the video loops."""
    side = min(photo.size) - step * count
    offsets = list(range(count)) + list(range(count - 2, 0, -1))
    return [
        photo.crop((step * index, step * index, step * index + side, step * index + side)).resize((size, size))
        for index in offsets
    ]


def upload_photo(page, photo: Path) -> None:
    """Put a file into the Upload tab's image input, as the file picker would."""
    page.get_by_role("tab", name="Upload").click()
    page.locator("input[type=file]").first.set_input_files(str(photo))


def upload_clip(page, clip: Path) -> None:
    """Put a clip into the Video tab's input, as the file picker would, and press Analyse clip."""
    page.get_by_role("tab", name="Video").click()
    page.locator("#clip-input input[type=file]").set_input_files(str(clip))
    page.get_by_role("button", name="Analyse clip").click()


def shown_scores(page, prefix: str = "upload") -> dict[str, str]:
    """The bar chart as the page shows it: {label: percentage text}."""
    rows = page.locator(f"#{prefix}-scores button").all_inner_texts()
    return dict(row.split("\n")[:2] for row in rows if "\n" in row)


def start_camera(page, camera: str = "#snapshot-input") -> None:
    """Open the webcam input `camera` (the Snapshot's, or "#live-input") and wait until the (fake) camera delivers
    frames; capturing before that yields nothing."""
    page.locator(camera).get_by_text("Click to Access Webcam").click(timeout=60_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('video')].some(video => video.readyState >= 2 && video.videoWidth > 0)",
        timeout=60_000,
    )


def coloured_pixels(page, selector: str) -> np.ndarray:
    """Where an element shows strongly coloured pixels (a boolean mask): a chart's drawn lines (its axes and grid
    are grey)."""
    import io

    picture = Image.open(io.BytesIO(page.locator(selector).screenshot())).convert("HSV")
    return np.asarray(picture)[:, :, 1] > 120
