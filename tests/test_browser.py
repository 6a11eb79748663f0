"""End to end in a real Chromium (Debian's, driven by Playwright) against the app on loopback.

Skipped when no Chromium is installed, except under CI=true, where .ci/run installs it and a
missing browser is a failure rather than a silent skip.
"""

import contextlib
import csv
import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from emotion.app.demo import build_demo
from emotion.app.table import TABLE_HEADERS
from emotion.drawing import display_scale
from emotion.labels import CLASSES
from harness.browser import (
    PHONE,
    coloured_pixels,
    find_chromium,
    shown_scores,
    start_camera,
    upload_clip,
    upload_photo,
)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

if find_chromium() is None:
    if os.environ.get("CI"):
        pytest.fail("CI=true but no Chromium found (.ci/run installs it)", pytrace=False)
    pytest.skip("no Chromium installed (apt-get install chromium)", allow_module_level=True)

pytestmark = pytest.mark.browser
TIMEOUT_MS = 60_000


def test_upload_shows_box_and_seven_bars_matching_the_predictor(page, server, astronaut, astronaut_file, tmp_path):
    _, app = server
    upload_photo(page, astronaut_file)
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#upload-annotated img")).to_be_visible()
    expected = app.predictor.predict(astronaut)[0]
    expect(page.locator("#upload-scores button")).to_have_count(7)
    scores = shown_scores(page)
    assert set(scores) == set(expected.scores)
    assert next(iter(scores)) == expected.label  # the chart lists the largest first
    shown_width = page.locator("#upload-annotated img").evaluate("image => image.naturalWidth")
    assert shown_width == round(astronaut.shape[1] * display_scale(astronaut.shape[1::-1]))  # drawn for the page
    screenshot = page.screenshot(path=tmp_path / "after_prediction.png", full_page=True)
    assert Image.open(tmp_path / "after_prediction.png").size[0] == 1280 and len(screenshot) > 10_000


def test_webcam_snapshot_gets_a_prediction(page):
    page.get_by_role("tab", name="Webcam").click()
    start_camera(page)
    page.get_by_label("capture photo").click()
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#snapshot-scores button")).to_have_count(7)
    expect(page.locator("#live-legend")).to_be_hidden()  # the live timeline's, in Live mode only


# Whether an element is shown faded: any opacity below 1 on it or above it, or a pending/loading wrapper.
FADED = """(element) => {
    for (let node = element; node; node = node.parentElement) {
        const style = getComputedStyle(node);
        if (parseFloat(style.opacity) < 0.99 || /pending|translucent|generating/.test(node.className)) return true;
    }
    return false;
}"""


@pytest.mark.slow
def test_live_webcam_keeps_updating_keeps_the_face_number_and_draws_the_timeline(page, server):
    _, app = server
    cache = Path(os.environ["GRADIO_TEMP_DIR"])
    files_before = sum(1 for path in cache.rglob("*") if path.is_file())
    page.get_by_role("tab", name="Webcam").click()
    page.get_by_text("Live", exact=True).click()
    start_camera(page, "#live-input")
    page.get_by_label("capture photo").click()
    expect(page.get_by_text("1 face in view.")).to_be_visible(timeout=TIMEOUT_MS)
    first = page.locator("#live-view img").get_attribute("src")
    # the camera shows a moving crop, so a later frame gives a different annotated image...
    expect(page.locator("#live-view img")).not_to_have_attribute("src", first, timeout=TIMEOUT_MS)
    # ...while the face keeps its number, and the followed face's timeline is drawn
    expect(page.locator("#live-follow input")).to_have_value("Face #1")
    expect(page.locator("#live-timeline canvas, #live-timeline svg").first).to_be_visible(timeout=TIMEOUT_MS)
    assert legend_entries(page, "#live-legend") == list(CLASSES)
    faded = []
    for _ in range(8):  # Gradio's pending overlay on a streamed output fades it on every frame
        page.wait_for_timeout(700)
        faded.append(page.locator("#live-view img").evaluate(FADED))
    assert faded == [False] * 8
    expect(page.locator("#live-follow input")).to_have_value("Face #1")
    assert page.locator("#live-view img").get_attribute("src").startswith("data:image/jpeg")
    shown = page.locator("#live-view img").bounding_box()["width"]
    camera = max(
        box["width"]
        for box in page.locator("video").evaluate_all(
            "videos => videos.filter(v => v.offsetParent).map(v => v.getBoundingClientRect().toJSON())"
        )
    )
    assert shown >= 0.9 * camera  # the annotated frame is the main picture, not a thumbnail beside the camera
    files_after = sum(1 for path in cache.rglob("*") if path.is_file())
    assert files_after - files_before < 5  # live frames and results stay in memory (was ~10 files a second)


def test_unreadable_file_shows_our_message_and_the_page_keeps_working(page, astronaut_file, tmp_path):
    fake = tmp_path / "holiday.png"
    fake.write_bytes(b"this is a text file, not a photo")
    upload_photo(page, fake)
    notice = page.locator(".toast-body").first
    expect(notice.locator(".toast-title")).to_have_text("Cannot read this file", timeout=TIMEOUT_MS)
    expect(notice).to_contain_text("This file is not an image we can read")
    expect(page.locator("#upload-input img")).to_have_count(0)  # no broken picture left in the photo box
    upload_photo(page, astronaut_file)
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#upload-scores button")).to_have_count(7)


def test_a_user_error_shows_its_title_once_and_leaves_the_last_result(page, astronaut_file, tmp_path):
    upload_photo(page, astronaut_file)
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    fake = tmp_path / "notes.png"
    fake.write_bytes(b"this is a text file, not a photo")
    upload_photo(page, fake)
    notice = page.get_by_text("This file is not an image we can read", exact=False)
    expect(notice).to_have_count(1, timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    for output in (
        "#upload-annotated",
        "#upload-scores",
        "#upload-table",
    ):  # no red badge on any panel, the result stays
        trackers = page.locator(f"{output} [data-testid=status-tracker]").evaluate_all(
            "trackers => trackers.map(tracker => tracker.className)"
        )
        assert all("hide" in classes.split() for classes in trackers), (output, trackers)
    expect(page.get_by_text("Found 1 face.")).to_be_visible()
    expect(page.locator("#upload-annotated img")).to_be_visible()
    upload_photo(page, astronaut_file)
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    expect(notice).to_have_count(0, timeout=5000)  # the earlier notice does not linger over the new result


def test_result_downloads_as_json_and_csv(page, server, astronaut, astronaut_file, tmp_path):
    _, app = server
    upload_photo(page, astronaut_file)
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_text("Result data (JSON, CSV)").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download JSON").click()
    faces = json.loads(Path(download.value.path()).read_text())
    expected = app.predictor.predict(astronaut)[0]
    assert len(faces) == 1 and faces[0]["box"] == list(expected.box) and faces[0]["label"] == expected.label
    assert faces[0]["warnings"] == list(expected.warnings)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(Path(download.value.path()).read_text().splitlines()))
    assert len(rows) == 1 and rows[0]["label"] == expected.label and int(rows[0]["width"]) == expected.box[2]
    assert float(rows[0][expected.label]) == pytest.approx(expected.scores[expected.label], abs=1e-4)
    assert float(rows[0]["probability"]) == float(rows[0][expected.label])
    assert float(rows[0]["detector_score"]) == pytest.approx(expected.detector_score, abs=1e-4)


def test_explanation_switch_changes_the_picture_and_back(page, astronaut_file):
    upload_photo(page, astronaut_file)
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    plain_address = page.locator("#upload-annotated img").get_attribute("src")
    plain = picture_digest(page)
    page.locator("#upload-explain input").check()
    expect(page.locator("#upload-annotated img")).not_to_have_attribute("src", plain_address, timeout=TIMEOUT_MS)
    assert picture_digest(page) != plain
    new_address = page.locator("#upload-annotated img").get_attribute("src")
    page.locator("#upload-explain input").uncheck()
    expect(page.locator("#upload-annotated img")).not_to_have_attribute("src", new_address, timeout=TIMEOUT_MS)
    assert picture_digest(page) == plain  # the same plain picture again, byte for byte
    assert page.locator("#upload-annotated img").get_attribute("src").endswith("astronaut-faces.png")


def picture_digest(page) -> str:
    """The SHA-256 of the annotated picture's bytes, as the browser receives them."""
    return page.evaluate(
        """async () => {
            const bytes = await (await fetch(document.querySelector('#upload-annotated img').src)).arrayBuffer();
            const digest = await crypto.subtle.digest('SHA-256', bytes);
            return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
        }"""
    )


def test_warnings_show_in_the_faces_table(page, astronaut, tmp_path):
    small = tmp_path / "small.png"
    Image.fromarray(astronaut).resize((160, 160)).save(small)  # a face of about 27 px
    upload_photo(page, small)
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#upload-table")).to_contain_text("small face", timeout=TIMEOUT_MS)


# Elements drawn over a point of the annotated photo (ignoring pointer-events, which Gradio's label chip turns off).
COVERING = """([x, y]) => {
    const image = document.querySelector('#upload-annotated img');
    return [...document.querySelectorAll('#upload-annotated *')].filter((element) => {
        if (element === image || element.contains(image) || element.getClientRects().length === 0) return false;
        const box = element.getBoundingClientRect();
        const style = getComputedStyle(element);
        return style.visibility !== 'hidden' && style.opacity !== '0'
            && box.left <= x && x <= box.right && box.top <= y && y <= box.bottom;
    }).map((element) => element.tagName + ' ' + element.textContent.trim().slice(0, 30));
}"""


def test_on_a_phone_a_label_at_the_top_left_of_the_photo_stays_visible(phone_page, server, astronaut, tmp_path):
    """The "Faces found" chip once covered the label of a face near the photo's top-left corner."""
    _, app = server
    photo = tmp_path / "face_top_left.png"
    shifted = np.ascontiguousarray(astronaut[40:, 140:])
    Image.fromarray(shifted).save(photo)
    face = app.predictor.predict(shifted)[0]
    x, y, _, _ = face.box
    assert y < 60 and x < 60  # the label is drawn in the photo's top-left corner, above the box
    upload_photo(phone_page, photo)
    expect(phone_page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    image = phone_page.locator("#upload-annotated img")
    image.scroll_into_view_if_needed()
    bounds = image.bounding_box()
    scale = bounds["width"] / shifted.shape[1]
    label_point = (bounds["x"] + (x + 20) * scale, bounds["y"] + max(4, y - 10) * scale)
    # Gradio lays a progress overlay over an output while its events run: wait for those to finish
    with contextlib.suppress(sync_api.TimeoutError):
        phone_page.wait_for_function(
            f"point => ({COVERING})(point).length === 0", arg=list(label_point), timeout=10_000
        )
    assert phone_page.evaluate(COVERING, list(label_point)) == []
    phone_page.screenshot(path=tmp_path / "phone.png", full_page=True)
    assert Image.open(tmp_path / "phone.png").size[0] == 390 * PHONE["device_scale_factor"]


def test_on_a_phone_the_result_comes_into_view_and_the_table_shows_every_column(phone_page, astronaut_file):
    upload_photo(phone_page, astronaut_file)
    expect(phone_page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    phone_page.wait_for_function(
        "() => { const box = document.querySelector('#upload-annotated img')"
        "?.getBoundingClientRect(); return box && box.top >= -1 && box.top < innerHeight / 2"
        " && box.bottom > 0; }",
        timeout=10_000,
    )  # scrolled to the picture, no hunting
    table = phone_page.locator("#upload-table")
    table.scroll_into_view_if_needed()
    frame = table.bounding_box()
    headers = table.locator("th").evaluate_all("cells => cells.map(cell => cell.getBoundingClientRect().toJSON())")
    assert len(headers) == len(TABLE_HEADERS)
    assert all(cell["right"] <= frame["x"] + frame["width"] + 1 and cell["width"] > 20 for cell in headers)
    expect(table.get_by_text("warnings", exact=True).first).to_be_in_viewport()
    # Each header on one line, no word broken in two ("expressio-n"), and so the first face's expression.
    lines = table.evaluate(
        """(table, words) => {
        const leaves = [...table.querySelectorAll('th *')].filter(element => element.children.length === 0);
        const nodes = words.map(word => leaves.find(element => element.textContent.trim() === word));
        nodes.push(table.querySelector('[data-testid="cell-0-1"] span'));
        return nodes.map(node => {
            const range = document.createRange();
            range.selectNodeContents(node);
            return new Set([...range.getClientRects()].map(box => Math.round(box.top))).size;
        });
    }""",
        TABLE_HEADERS,
    )
    assert lines == [1] * (len(TABLE_HEADERS) + 1)


def test_on_a_phone_the_about_table_fits_and_breaks_no_word_or_figure(phone_page):
    phone_page.get_by_role("tab", name="About").click()
    table = phone_page.locator("#about-model table")
    table.scroll_into_view_if_needed()
    panel, box = phone_page.locator("#about-model").bounding_box(), table.bounding_box()
    assert box["x"] + box["width"] <= panel["x"] + panel["width"] + 1  # no column cut off at the right
    broken = table.evaluate("""table => {
        const lines = range => new Set([...range.getClientRects()].map(box => Math.round(box.top))).size;
        const broken = [];
        const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const word of node.textContent.matchAll(/[^\\s-]+/g)) {  // "accu/racy", "80./5%"
                const range = document.createRange();
                range.setStart(node, word.index);
                range.setEnd(node, word.index + word[0].length);
                if (lines(range) > 1) broken.push(word[0]);
            }
        }
        for (const cell of table.querySelectorAll('td:not(:first-child)')) {  // a figure stays on one line
            const range = document.createRange();
            range.selectNodeContents(cell);
            if (lines(range) > 1) broken.push(cell.textContent.trim());
        }
        return broken;
    }""")
    assert table.locator("td").count() >= 12 and broken == []


def legend_entries(page, legend: str) -> list[str]:
    """The names of a timeline's legend that are shown whole, within the legend's box and the page's width."""
    area = page.locator(f"{legend} .expression-legend").bounding_box()
    left, right = max(area["x"], 0), min(area["x"] + area["width"], page.viewport_size["width"])
    boxes = {
        entry.inner_text(): entry.bounding_box() for entry in page.locator(f"{legend} span").all() if entry.is_visible()
    }
    return [name for name, box in boxes.items() if box["x"] >= left and box["x"] + box["width"] <= right]


@pytest.fixture(scope="module")
def clip_file(astronaut: np.ndarray, two_faces: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 s at 10 frames a second: the astronaut alone, then two faces (as tests/test_video.py's clip)."""
    from harness.clips import write_clip

    alone = np.full_like(two_faces, 96)
    alone[:, : astronaut.shape[1]] = astronaut
    path = tmp_path_factory.mktemp("clips") / "clip.webm"
    write_clip(path, [alone] * 20 + [two_faces] * 20, fps=10, codec="VP80")
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_a_clip_gives_a_playable_annotated_clip_a_person_picker_and_a_timeline(
    browser, server, clip_file, viewport, tmp_path
):
    url, _ = server
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(url)
    upload_clip(page, clip_file)
    expect(page.get_by_text("Followed 2 people")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#upload-scores")).to_be_hidden()  # the photo results give way to the clip's
    video = page.locator("#clip-output video")
    expect(video).to_be_visible()
    video.evaluate(
        "video => new Promise((done) => video.readyState >= 2 ? done() : "
        "video.addEventListener('loadeddata', done, {once: true}))"
    )
    played = video.evaluate(
        "video => ({ready: video.readyState, duration: video.duration, error: video.error, width: video.videoWidth})"
    )
    assert played["ready"] >= 2 and played["duration"] > 3 and played["error"] is None and played["width"] > 0
    expect(page.locator("#clip-timeline")).to_be_visible()
    expect(page.locator("#clip-timeline canvas, #clip-timeline svg").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    assert coloured_pixels(page, "#clip-timeline").sum() > 100  # the person's lines are drawn
    assert legend_entries(page, "#clip-legend") == list(CLASSES)  # every one in view, at a phone's width too
    person = page.locator("#clip-person")
    expect(person).to_be_visible()
    person.locator("input").click()
    expect(page.get_by_role("option", name="Person #2")).to_be_visible()
    page.get_by_role("option", name="Person #2").click()
    expect(person.locator("input")).to_have_value("Person #2")
    page.screenshot(path=tmp_path / "clip.png", full_page=True)
    page.get_by_role("tab", name="Upload").click()
    expect(page.locator("#upload-scores")).to_be_visible()  # back to the photo results
    context.close()


@pytest.mark.slow
def test_when_the_queue_is_full_a_visitor_is_told_the_app_is_busy_once(browser, server, astronaut_file, monkeypatch):
    _, app = server
    blocks = build_demo(app.predictor)
    blocks.queue(default_concurrency_limit=2, max_size=1)  # the page's queue, shortened to fill it with five visitors
    _, url, _ = blocks.launch(server_port=None, prevent_thread_lock=True)
    predict = app.predictor.predict

    def slow(*arguments, **options):  # long enough that all five have uploaded first, even on a loaded machine
        time.sleep(20)
        return predict(*arguments, **options)

    monkeypatch.setattr(app.predictor, "predict", slow)
    pages = [browser.new_page() for _ in range(5)]  # five visitors: two are served, one waits, two find it full
    try:
        for page in pages:
            page.goto(url)
        for page in pages:
            upload_photo(page, astronaut_file)
        busy = "This application is currently busy. Please try again."
        expect(pages[4].get_by_text(busy)).to_have_count(1, timeout=TIMEOUT_MS)
        expect(pages[0].get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    finally:
        for page in pages:
            page.close()
        blocks.close()
