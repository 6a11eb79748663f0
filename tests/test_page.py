"""What a first visitor tripped on, each checked in Chromium: people kept apart in a clip, a live view that
stops at its limit, a page that analyses an example on click, clears what another tab showed and offers the
explanation only where it works."""

import json

import pytest

from harness.browser import start_camera, upload_clip, upload_photo
from harness.clips import EXAMPLES, STORIES, people_numbered, write_story
from tests.test_browser import TIMEOUT_MS, expect  # and its skip without Chromium

pytestmark = pytest.mark.browser
FPS = 10


def test_clicking_an_example_analyses_it(page):
    page.locator(
        ".gallery-item, [data-testid='example'] button, table.gr-samples-table td, button.gallery-item"
    ).first.click()
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#scores button")).to_have_count(7)


def test_another_tab_does_not_show_the_last_photos_faces(page, astronaut_file):
    upload_photo(page, astronaut_file)
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_role("tab", name="Webcam").click()
    expect(page.locator("#scores button")).to_have_count(0)
    expect(page.locator("#annotated img")).to_have_count(0)
    expect(page.get_by_text("Found 1 face.")).to_be_hidden()
    assert (
        page.locator("#faces-table tbody tr").evaluate_all("rows => rows.filter(r => r.innerText.trim()).length") == 0
    )


def test_the_explanation_switch_is_offered_only_where_there_is_a_photo_to_explain(page):
    expect(page.locator("#explain")).to_be_visible()
    page.get_by_role("tab", name="Webcam").click()
    expect(page.locator("#explain")).to_be_visible()  # snapshots are explained
    page.get_by_text("Live", exact=True).click()
    expect(page.locator("#explain")).to_be_hidden()  # live frames are not
    page.get_by_role("tab", name="Upload").click()
    expect(page.locator("#explain")).to_be_visible()


@pytest.mark.slow
def test_live_stops_at_its_limit_says_why_and_starts_again(page, server):
    _, app = server
    handlers = app.demo.stream_handlers
    handlers.live_seconds = 4  # shortened from LIVE_SECONDS
    try:
        page.get_by_role("tab", name="Webcam").click()
        page.get_by_text("Live", exact=True).click()
        start_camera(page)
        record = page.locator('#live-input button[aria-label="capture photo"]')
        record.click()
        expect(page.get_by_text("face in view").first).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_text("Live view stopped after 4 s").first).to_be_visible(timeout=TIMEOUT_MS)
        expect(record).to_have_text("Record", timeout=10_000)  # the camera's stream was stopped
        shown = page.locator("#live-view img").get_attribute("src")
        page.wait_for_timeout(1500)
        assert page.locator("#live-view img").get_attribute("src") == shown  # no new frame is analysed
        record.click()
        expect(page.get_by_text("Live view stops in").first).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.locator("#live-view img")).not_to_have_attribute("src", shown, timeout=TIMEOUT_MS)
    finally:
        handlers.live_seconds = type(handlers)(app.predictor, app.demo.views).live_seconds


@pytest.mark.slow
@pytest.mark.parametrize("name", list(STORIES))
def test_the_page_numbers_each_person_of_a_story_once(page, server, name, tmp_path):
    shots = STORIES[name]
    placements = write_story(tmp_path / f"{name}.mp4", shots, fps=FPS)
    _, app = server
    photo_boxes = {shot.photo: [face.box for face in app.predictor.predict(open_example(shot.photo))] for shot in shots}
    upload_clip(page, tmp_path / f"{name}.mp4")
    expect(page.get_by_text("Followed").first).to_be_visible(timeout=TIMEOUT_MS)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download JSON").click()
    people = json.loads(download.value.path().read_text())["faces"]
    numbered = people_numbered(people, placements, photo_boxes, FPS)
    shown = set().union(*numbered.values())
    assert all(len(who) == 1 for who in numbered.values()) and len(numbered) == len(shown)
    plural = "person" if len(shown) == 1 else "people"
    expect(page.get_by_text(f"Followed {len(shown)} {plural}")).to_be_visible()


def open_example(name: str):
    from PIL import Image

    return Image.open(EXAMPLES / name).convert("RGB")


def label_rects_on_page(page, app, photo) -> tuple[list[dict], float]:
    """The annotated photo's labels (emotion.drawing.place_labels) in the page's CSS pixels, and the scale."""
    from emotion.drawing import face_numbers, place_labels

    faces = app.predictor.predict(photo)
    image = page.locator("#annotated img")
    image.scroll_into_view_if_needed()
    bounds = image.bounding_box()
    scale = bounds["width"] / photo.size[0]
    labels = place_labels(photo.size, faces, face_numbers(faces, None))
    rects = [
        {
            "left": bounds["x"] + label.rect[0] * scale,
            "top": bounds["y"] + label.rect[1] * scale,
            "right": bounds["x"] + label.rect[2] * scale,
            "bottom": bounds["y"] + label.rect[3] * scale,
            "font": label.font_size * scale,
        }
        for label in labels
    ]
    return rects, scale


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_labels_on_the_group_photo_are_clear_of_each_other_and_of_the_buttons_and_readable(
    page, phone_page, server, viewport, tmp_path
):
    from tests.test_browser import COVERING

    shown = page if viewport == "desktop" else phone_page
    _, app = server
    photo = open_example("group.jpg")
    upload_photo(shown, EXAMPLES / "group.jpg")
    expect(shown.get_by_text("Found 5 faces.")).to_be_visible(timeout=TIMEOUT_MS)
    shown.locator("#annotated button").first.wait_for(state="visible", timeout=TIMEOUT_MS)  # the download button
    shown.wait_for_timeout(500)
    rects, _ = label_rects_on_page(shown, app, photo)
    assert len(rects) == 5
    for index, rect in enumerate(rects):
        for other in rects[index + 1 :]:
            assert min(rect["right"], other["right"]) <= max(rect["left"], other["left"]) or min(
                rect["bottom"], other["bottom"]
            ) <= max(rect["top"], other["top"])
        for x in (rect["left"] + 1, (rect["left"] + rect["right"]) / 2, rect["right"] - 1):
            for y in (rect["top"] + 1, rect["bottom"] - 1):
                assert shown.evaluate(COVERING, [x, y]) == [], (index, x, y)
        assert rect["font"] >= 11  # CSS px, at a phone's width too
    shown.screenshot(path=tmp_path / f"labels_{viewport}.png", full_page=True)


def test_the_annotated_clip_has_no_label_chip_over_it(page, tmp_path):
    placements = write_story(tmp_path / "cuts.mp4", STORIES["cuts"][:1], fps=FPS)
    assert placements
    upload_clip(page, tmp_path / "cuts.mp4")
    expect(page.get_by_text("Followed").first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#clip-output video")).to_be_visible()
    expect(page.locator("#clip-output [data-testid=block-label]")).to_be_hidden()
