"""What a first visitor tripped on, each checked in Chromium: people kept apart in a clip, a live view that
stops at its limit, a page that analyses an example on click, clears what another tab showed and offers the
explanation only where it works."""

import json
import re

import numpy as np
import pytest
from PIL import Image

from emotion.app.page import settings
from emotion.labels import CLASSES
from harness.browser import start_camera, upload_clip, upload_photo
from harness.clips import EXAMPLES, STORIES, people_numbered, write_story
from tests.test_browser import TIMEOUT_MS, expect  # and its skip without Chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the fast subset keeps tests/test_browser.py's
FPS = 10


def test_clicking_an_example_analyses_it(page):
    page.locator(
        ".gallery-item, [data-testid='example'] button, table.gr-samples-table td, button.gallery-item"
    ).first.click()
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#upload-scores button")).to_have_count(7)
    expect(page.locator("#upload-scores [data-testid='label-output-value']")).to_be_visible()  # headed by the label


def test_each_tab_keeps_its_own_results(page, astronaut_file):
    upload_photo(page, astronaut_file)
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_role("tab", name="Webcam").click()
    expect(page.locator("#snapshot-scores button")).to_have_count(0)
    expect(page.locator("#snapshot-annotated img")).to_have_count(0)
    expect(page.get_by_text("Found 1 face.")).to_be_hidden()
    page.get_by_role("tab", name="Upload").click()
    expect(page.get_by_text("Found 1 face.")).to_be_visible()  # the upload's result waits in its own tab
    expect(page.locator("#upload-scores button")).to_have_count(7)


def test_the_explanation_switch_is_offered_only_where_there_is_a_photo_to_explain(page):
    expect(page.locator("#upload-explain")).to_be_visible()
    page.get_by_role("tab", name="Webcam").click()
    expect(page.locator("#snapshot-explain")).to_be_visible()  # snapshots are explained
    page.get_by_text("Live", exact=True).click()
    expect(page.locator("#snapshot-explain")).to_be_hidden()  # live frames are not
    page.get_by_role("tab", name="Upload").click()
    expect(page.locator("#upload-explain")).to_be_visible()


def test_live_stops_at_its_limit_says_why_and_starts_again(page, monkeypatch):
    monkeypatch.setattr(settings, "LIVE_SECONDS", 4)  # shortened from RUN_SECONDS
    page.get_by_role("tab", name="Webcam").click()
    page.get_by_text("Live", exact=True).click()
    start_camera(page, "#live-input")
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


def test_a_hesitant_face_keeps_its_live_label_while_its_bars_move(page, server, monkeypatch):
    """The model's answer for the face flips every frame between neutral and angry leading by 0.15: the label in
    the live table keeps to one of them, while the bars follow the answers (with no heading that would flip)."""
    _, app = server
    hesitant = [np.full(7, 0.25 / 5), np.full(7, 0.25 / 5)]
    hesitant[0][[CLASSES.index("neutral"), CLASSES.index("angry")]] = 0.45, 0.30
    hesitant[1][[CLASSES.index("neutral"), CLASSES.index("angry")]] = 0.30, 0.45
    calls = iter(range(10**6))
    monkeypatch.setattr(
        app.predictor, "classify", lambda crops, head=None: np.stack([hesitant[next(calls) % 2]] * len(crops))
    )
    page.get_by_role("tab", name="Webcam").click()
    page.get_by_text("Live", exact=True).click()
    start_camera(page, "#live-input")
    page.get_by_label("capture photo").click()
    expect(page.get_by_text("1 face in view.")).to_be_visible(timeout=TIMEOUT_MS)
    labels, bars = [], set()
    for _ in range(30):
        page.wait_for_timeout(100)
        table = page.locator("#live-table").inner_text()
        labels.append(" ".join(name for name in ("neutral", "angry") if name in table))
        bars.add(page.locator("#live-scores").inner_text())
    expect(page.locator("#live-scores [data-testid='label-output-value']")).to_have_count(0)
    changes = sum(before != after for before, after in zip(labels, labels[1:], strict=False))
    assert set(labels) <= {"neutral", "angry"} and changes <= 1, labels
    assert len(bars) > 1 and next(calls) > 10  # the bars moved, over many frames


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
    return Image.open(EXAMPLES / name).convert("RGB")


def label_rects_on_page(page, app, photo) -> tuple[list[dict], float]:
    """The annotated photo's labels (emotion.drawing.place_labels) in the page's CSS pixels, and the scale."""
    from tests.test_page_results import label_rects

    image = page.locator("#upload-annotated img")
    image.scroll_into_view_if_needed()
    bounds = image.bounding_box()
    labels, _, scale = label_rects(page, photo, app)
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
    shown.locator("#upload-annotated img").wait_for(state="visible", timeout=TIMEOUT_MS)
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


def test_doubts_are_said_for_a_cut_off_face_a_bowed_head_and_a_faceless_whole_image(page, tmp_path):
    upload_photo(page, EXAMPLES / "group.jpg")
    expect(page.get_by_text("Found 5 faces.")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#upload-table")).to_contain_text("face cut off by the edge")
    expect(page.locator("#upload-table")).to_contain_text("head bowed or raised")
    sky = tmp_path / "sky.png"
    picture = np.zeros((300, 400, 3), np.uint8)
    picture[:150], picture[150:] = (120, 170, 240), (40, 160, 40)
    Image.fromarray(picture).save(sky)
    upload_photo(page, sky)
    page.get_by_role("button", name="Classify the whole image as one face").click()
    expect(page.get_by_text("No face was detected in this picture")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#upload-table")).to_contain_text("no face detected in the picture")


def test_at_1280_by_800_a_portrait_photos_bars_are_in_view(browser, server):
    url, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(url)
    upload_photo(page, EXAMPLES / "angry.jpg")  # 683x1024
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    page.evaluate("() => window.scrollTo(0, 0)")
    first_bar = page.locator("#upload-scores button").first.bounding_box()
    assert first_bar["y"] + first_bar["height"] <= 800
    context.close()


def test_probabilities_read_as_percentages_and_the_json_view_is_rounded(page, astronaut_file):
    upload_photo(page, astronaut_file)
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    cell = page.locator("#upload-table tbody tr").first.locator("td").nth(2)
    expect(cell).to_have_text(re.compile(r"^\d{1,3}%$"))
    page.get_by_text("Result data (JSON, CSV)").click()
    shown = page.locator("#upload-json").inner_text()
    assert "0." in shown and not re.search(r"\d\.\d{5,}", shown)


def test_notices_say_what_happened_and_a_photo_in_the_video_tab_gets_our_message(page, tmp_path):
    fake = tmp_path / "notes.png"
    fake.write_bytes(b"this is a text file, not a photo")
    upload_photo(page, fake)
    toast = page.locator(".toast-body").first
    expect(toast).to_be_visible(timeout=TIMEOUT_MS)
    expect(toast.locator(".toast-title")).to_have_text(re.compile("Cannot read this file", re.IGNORECASE))
    page.get_by_role("tab", name="Video").click()
    page.locator("#clip-input input[type=file]").set_input_files(str(EXAMPLES / "angry.jpg"))
    page.get_by_role("button", name="Analyse clip").click()
    expect(page.get_by_text("a still picture, not a clip").first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("Invalid file type")).to_have_count(0)


def test_downloads_are_named_after_the_upload(page, astronaut_file):
    upload_photo(page, astronaut_file)
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_text("Result data (JSON, CSV)").click()
    with page.expect_download() as picture:
        page.get_by_role("button", name="Download picture").click()
    with page.expect_download() as data:
        page.get_by_role("button", name="Download JSON").first.click()
    assert picture.value.suggested_filename == "astronaut-faces.png"
    assert data.value.suggested_filename == "astronaut-faces.json"


def test_the_about_panel_says_what_photos_dev_is(page):
    page.get_by_role("tab", name="About").click()
    about = page.locator("#about-model")
    if "photos-dev" in about.inner_text():
        expect(about).to_contain_text("the project's own labelled photos of people")
