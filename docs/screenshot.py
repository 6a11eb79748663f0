"""Screenshot of the app after a prediction, in Debian's Chromium driven by Playwright, for the README.

python app.py &            # or any running instance
python -m docs.screenshot [--url http://127.0.0.1:7860] [--photo assets/examples/group.jpg]
python -m docs.screenshot --phone       # a 390x844 phone screen, into docs/phone.png
python -m docs.screenshot --clip clip.mp4 [--phone]   # the Video tab after a clip: docs/video*.png
(python -m bench.video --seconds 8 --keep clip.mp4 makes such a clip)
"""

import argparse
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from harness.browser import PHONE, launch_chromium, upload_clip, upload_photo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--photo", type=Path, default=Path("assets/examples/group.jpg"))
    parser.add_argument("--phone", action="store_true", help="a phone-sized screen (390x844, touch)")
    parser.add_argument("--clip", type=Path, default=None, help="analyse this clip in the Video tab instead")
    parser.add_argument("--out", type=Path, default=None, help="default: docs/{screenshot,phone,video,video_phone}.png")
    arguments = parser.parse_args()
    name = (
        ("video" if arguments.clip else "screenshot")
        if not arguments.phone
        else ("video_phone" if arguments.clip else "phone")
    )
    out = arguments.out or Path(f"docs/{name}.png")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(**(PHONE if arguments.phone else {"viewport": {"width": 1280, "height": 900}}))
        page.goto(arguments.url)
        if arguments.clip:
            upload_clip(page, arguments.clip)
            expect(page.get_by_text("Followed")).to_be_visible(timeout=120_000)
        else:
            upload_photo(page, arguments.photo)
            expect(page.get_by_text("Found")).to_be_visible(timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(out), full_page=True)
        browser.close()
    print(f"saved {out}")


if __name__ == "__main__":
    main()
