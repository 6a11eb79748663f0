"""Results on the page in Chromium: uploads reach the app untouched on every path, results that expire say so,
labels that never hide a face, and clip results without Gradio's words or badges."""

import re

import httpx
import numpy as np
import pytest
from PIL import Image

from emotion.app import scratch
from emotion.app.page import settings
from emotion.drawing import DISPLAY, display_scale, face_numbers, overlap, place_labels
from harness.browser import coloured_pixels, upload_clip, upload_photo
from harness.clips import EXAMPLES, write_clip
from harness.images import crowd
from tests.test_browser import TIMEOUT_MS, expect  # and its skip without Chromium

pytestmark = pytest.mark.browser


def click_example(page, index: int = 0) -> None:
    page.locator(".gallery-item, button.gallery-item").nth(index).click()


def notice(page):
    return page.locator(".toast-body").first


def test_after_an_example_bad_files_get_our_notice_and_good_ones_are_scored_as_rest_scores_them(
    page, server, astronaut, tmp_path
):
    url, _ = server
    click_example(page)
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    fake = tmp_path / "holiday.jpg"
    fake.write_bytes(b"this is a text file, not a photo")
    upload_photo(page, fake)
    expect(notice(page).locator(".toast-title")).to_have_text("Cannot read this file", timeout=TIMEOUT_MS)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    upload_photo(page, empty)
    expect(page.get_by_text("The file is empty")).to_be_visible(timeout=TIMEOUT_MS)
    transparent = tmp_path / "transparent.png"
    rgba = np.dstack([astronaut, np.where(np.arange(512) < 256, 255, 90).astype(np.uint8)[None, :].repeat(512, 0)])
    Image.fromarray(rgba, "RGBA").save(transparent)
    upload_photo(page, transparent)
    expect(page.locator("#upload-annotated img")).to_have_attribute(
        "src", re.compile("transparent-faces.png$"), timeout=TIMEOUT_MS
    )
    with transparent.open("rb") as photo:
        rest = httpx.post(f"{url}/process_image", files={"file": photo}, timeout=60).json()["faces"][0]
    cell = page.locator('#upload-table [data-testid="cell-0-2"]')
    expect(cell).to_have_text(re.compile(r"^\s*\d{1,3}%\s*$"))
    shown = cell.inner_text().strip()
    assert shown == f"{rest['scores'][rest['label']]:.0%}"  # the same decoding as REST, not Gradio's re-encoding


def test_an_expired_result_says_so_and_a_new_analysis_works(page, astronaut_file, monkeypatch):
    upload_photo(page, astronaut_file)
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    monkeypatch.setattr(settings, "RESULT_SECONDS", 0)
    page.locator("#upload-explain input").check()
    expect(page.get_by_text("This result has expired").first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#upload-explain input")).not_to_be_checked()
    page.get_by_text("Result data (JSON, CSV)").click()
    with page.expect_download() as picture:  # made in the browser from what it shows: it never expires
        page.get_by_role("button", name="Download picture").click()
    assert Image.open(picture.value.path()).size[0] > 0
    monkeypatch.setattr(settings, "RESULT_SECONDS", 120)
    upload_photo(page, astronaut_file)
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    page.locator("#upload-explain input").check()
    expect(page.locator("#upload-explain input")).to_be_checked()
    page.wait_for_timeout(1000)
    expect(page.get_by_text("This result has expired")).to_have_count(0)


@pytest.mark.slow
def test_an_expired_clip_says_so_when_its_clip_is_downloaded(page, server, tmp_path, astronaut):
    clip = tmp_path / "short.webm"
    write_clip(clip, [astronaut] * 20, fps=10, codec="VP80")
    upload_clip(page, clip)
    expect(page.get_by_text("Followed 1 person")).to_be_visible(timeout=TIMEOUT_MS)
    _, app = server
    scratch.sweep(0, app.demo.kept_files())  # what the sweep does two minutes later (the examples stay)
    page.get_by_role("button", name="Download annotated clip").click()
    expect(page.locator("#clip-message")).to_contain_text("This result has expired", timeout=TIMEOUT_MS)


def label_rects(page, photo: Image.Image, app) -> tuple[list, list, float]:
    """The labels and boxes as drawn on the page's picture (its pixels), and its CSS pixels per picture pixel."""
    scale = display_scale(photo.size)
    size = (round(photo.size[0] * scale), round(photo.size[1] * scale))
    faces = [face.scaled(scale) for face in app.predictor.predict(photo)]
    boxes = [(x, y, x + w, y + h) for x, y, w, h in (face.box for face in faces)]
    shown = page.locator("#upload-annotated img").bounding_box()["width"] / size[0]
    return place_labels(size, faces, face_numbers(faces, None)), boxes, shown


@pytest.mark.slow
@pytest.mark.parametrize("photo", ["group.jpg", "crowd", "angry.jpg", "surprised.jpg"])
def test_labels_cover_no_other_face_and_read_the_same_size_in_any_shape(page, server, photo, tmp_path):
    _, app = server
    picture = crowd(24) if photo == "crowd" else Image.open(EXAMPLES / photo).convert("RGB")
    path = tmp_path / f"{photo}.png"
    picture.save(path)
    upload_photo(page, path)
    expect(page.get_by_text("Found")).to_be_visible(timeout=TIMEOUT_MS)
    labels, boxes, css = label_rects(page, picture, app)
    assert labels
    for index, label in enumerate(labels):
        assert all(overlap(label.rect, box) == 0 for number, box in enumerate(boxes) if number != index), photo
    assert 15 <= labels[0].font_size * css <= 25  # CSS pixels, portrait (angry) and landscape alike
    if photo == "crowd":
        assert len(labels) == 24 and all(label.text.startswith("#") and " " not in label.text for label in labels)


def test_a_tiny_image_is_shown_scaled_up_with_its_label_whole(page, astronaut, tmp_path):
    tiny = tmp_path / "tiny.png"
    Image.fromarray(astronaut).resize((16, 16)).save(tiny)
    upload_photo(page, tiny)
    page.get_by_role("button", name="Classify the whole image as one face").click()
    expect(page.get_by_text("the whole image was classified").first).to_be_visible(timeout=TIMEOUT_MS)
    width = page.locator("#upload-annotated img").evaluate("image => image.naturalWidth")
    assert width == DISPLAY[1]  # a square drawn to the display box's height
    assert page.locator("#upload-annotated img").bounding_box()["width"] > 300


@pytest.mark.slow
def test_choosing_a_face_highlights_its_box(page):
    upload_photo(page, EXAMPLES / "group.jpg")
    expect(page.get_by_text("Found 5 faces.")).to_be_visible(timeout=TIMEOUT_MS)
    before = page.locator("#upload-annotated img").get_attribute("src")
    page.locator("#upload-picker input").click()
    page.get_by_role("option").nth(2).click()
    expect(page.locator("#upload-annotated img")).not_to_have_attribute("src", before, timeout=TIMEOUT_MS)
    chosen = page.locator("#upload-annotated img").get_attribute("src")
    page.locator('#upload-table [data-testid="cell-3-0"]').click()
    expect(page.locator("#upload-annotated img")).not_to_have_attribute("src", chosen, timeout=TIMEOUT_MS)
    label = page.locator('#upload-table [data-testid="cell-3-1"]').inner_text().strip()
    expect(page.locator("#upload-picker input")).to_have_value(f"#4 {label}")


@pytest.mark.slow
def test_clip_refusals_leave_no_error_badge_and_a_picture_gets_one_message_whatever_its_name(page, tmp_path, astronaut):
    renamed = tmp_path / "holiday.mp4"
    renamed.write_bytes((EXAMPLES / "angry.jpg").read_bytes())
    upload_clip(page, renamed)
    expect(page.get_by_text("a still picture, not a clip").first).to_be_visible(timeout=TIMEOUT_MS)
    page.reload()
    whole, cut = tmp_path / "whole.webm", tmp_path / "cut.webm"
    write_clip(whole, [astronaut] * 20, fps=10, codec="VP80")
    cut.write_bytes(whole.read_bytes()[:5000])  # a header that passes, frames that do not decode
    upload_clip(page, cut)
    expect(page.get_by_text("no video frames we can decode").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    trackers = page.locator("#clip-output [data-testid=status-tracker]").evaluate_all(
        "trackers => trackers.map(tracker => tracker.className)"
    )
    assert all("error" not in classes.split() for classes in trackers), trackers


@pytest.mark.slow
def test_a_clip_with_nobody_shows_no_empty_chart(page, tmp_path):
    clip = tmp_path / "nobody.webm"
    write_clip(clip, [np.full((240, 320, 3), 90, np.uint8)] * 10, fps=10, codec="VP80")
    upload_clip(page, clip)
    expect(page.get_by_text("No face found anywhere in the clip")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#clip-timeline")).to_be_hidden()
    expect(page.get_by_text("0.000000")).to_have_count(0)


def test_a_clip_dropped_on_the_photo_input_is_pointed_to_the_video_tab(page, tmp_path, astronaut):
    clip = tmp_path / "party.mp4"
    write_clip(clip, [astronaut] * 5, fps=10)
    page.locator("#upload-input input[type=file]").set_input_files(str(clip))
    expect(notice(page)).to_contain_text("Video tab", timeout=TIMEOUT_MS)


@pytest.mark.slow
def test_a_timeline_shows_a_gap_where_the_person_was_out_of_view(page, tmp_path, astronaut):
    """The astronaut at 0-3 s and 6-9 s of a clip: her timeline is two pieces, not a line across 3-6 s."""
    clip = tmp_path / "away.webm"
    frame = np.full((512, 768, 3), 90, np.uint8)
    frame[:, :512] = astronaut
    empty = np.full_like(frame, 90)
    write_clip(clip, [frame] * 30 + [empty] * 30 + [frame] * 30, fps=10, codec="VP80")
    upload_clip(page, clip)
    expect(page.get_by_text("Followed 1 person")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#clip-timeline canvas, #clip-timeline svg").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    columns = coloured_pixels(page, "#clip-timeline").any(axis=0)  # where a line is drawn
    drawn = np.flatnonzero(columns)
    span = columns[drawn[0] : drawn[-1] + 1]
    longest, run = 0, 0
    for has_line in span:
        run = 0 if has_line else run + 1
        longest = max(longest, run)
    assert longest > 0.2 * len(span)  # about a third of the clip has no line
