"""Screenshots of the app, in Debian's Chromium driven by Playwright, for the README and docs/usage.md.

python app.py &            # or any running instance
python -m docs.screenshot [--url http://127.0.0.1:7860]

writes, each at desktop (1280x900) and phone (390x844) width: the group example (docs/screenshot.png and
docs/phone.png, the README's), a made-up crowd of 24 faces, a portrait photo (the angry example) and a live run
whose fake camera shows two people, the second one chosen (docs/screens/<name>-<width>.png).
python -m docs.screenshot --clip clip.mp4 [--phone]   # the Video tab after a clip: docs/video*.png
(python -m bench.video --seconds 8 --keep clip.mp4 makes such a clip)
"""

import argparse
import io
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect, sync_playwright

from harness.browser import PHONE, launch_chromium, start_camera, upload_clip, upload_photo, write_y4m
from harness.clips import EXAMPLES
from harness.images import crowd, two_people

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE_SHOT = PHONE | {"device_scale_factor": 2}  # sharp enough to read, half the file of a 3x screen
SCREENS = Path("docs/screens")


def save(page, out: Path) -> None:
    """The whole page as a 256-colour PNG: a third of the bytes, and the docs' pictures go into every Space."""
    picture = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    picture.quantize(colors=256).save(out, optimize=True)


def photo_shot(browser, url: str, photo: Path, size: dict, out: Path) -> None:
    page = browser.new_page(**size)
    page.goto(url)
    upload_photo(page, photo)
    expect(page.get_by_text("Found")).to_be_visible(timeout=60_000)
    page.wait_for_timeout(1500)
    save(page, out)
    page.close()


def live_shot(browser, url: str, size: dict, out: Path) -> None:
    page = browser.new_page(**size)
    page.goto(url)
    page.get_by_role("tab", name="Webcam").click()
    page.get_by_text("Live", exact=True).click()
    start_camera(page, "#live-input")
    page.locator('#live-input button[aria-label="capture photo"]').click()
    expect(page.get_by_text("2 faces in view.").first).to_be_visible(timeout=60_000)
    page.locator("#live-follow input").click()
    page.get_by_role("option", name="Face #2").click()
    page.wait_for_timeout(4000)  # the chosen face followed, its timeline drawn
    save(page, out)
    page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--clip", type=Path, default=None, help="analyse this clip in the Video tab instead")
    parser.add_argument("--phone", action="store_true", help="with --clip: a phone-sized screen")
    arguments = parser.parse_args()
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as folder:
        if arguments.clip:
            browser = launch_chromium(playwright)
            page = browser.new_page(**(PHONE if arguments.phone else DESKTOP))
            page.goto(arguments.url)
            upload_clip(page, arguments.clip)
            expect(page.get_by_text("Followed")).to_be_visible(timeout=120_000)
            page.wait_for_timeout(1500)
            out = Path("docs/video_phone.png" if arguments.phone else "docs/video.png")
            save(page, out)
            print(f"saved {out}")
            return
        camera = write_y4m([Image.fromarray(two_people(640))] * 4, Path(folder) / "two.y4m")
        browser = launch_chromium(playwright, camera)
        crowd_photo = Path(folder) / "crowd.png"
        crowd(24).save(crowd_photo)
        SCREENS.mkdir(exist_ok=True)
        for width, size in (("desktop", DESKTOP), ("phone", PHONE_SHOT)):
            group = Path("docs/screenshot.png" if width == "desktop" else "docs/phone.png")
            photo_shot(browser, arguments.url, EXAMPLES / "group.jpg", size, group)
            photo_shot(browser, arguments.url, crowd_photo, size, SCREENS / f"crowd-{width}.png")
            photo_shot(browser, arguments.url, EXAMPLES / "angry.jpg", size, SCREENS / f"portrait-{width}.png")
            live_shot(browser, arguments.url, size, SCREENS / f"live-{width}.png")
            print(f"saved the {width} screenshots")
        browser.close()


if __name__ == "__main__":
    main()
