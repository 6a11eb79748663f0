"""The Webcam tab's Live mode in Chromium, with a fake camera showing two faces: a chosen face stays chosen, Stop
and Record end and start runs, and leaving the mode or the tab ends the run and turns the camera off."""

import re

import pytest
from PIL import Image

from harness.browser import coloured_pixels, start_camera, write_y4m
from harness.images import two_people
from tests.test_browser import TIMEOUT_MS, expect  # and its skip without Chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RUNNING_CAMERAS = """() => [...document.querySelectorAll('video')]
    .flatMap(video => video.srcObject ? video.srcObject.getTracks() : [])
    .filter(track => track.readyState === 'live').length"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """This module's Chromium: its fake camera shows the astronaut and her smaller mirrored copy, still."""
    from playwright import sync_api

    from harness.browser import launch_chromium

    video = write_y4m([Image.fromarray(two_people(640))] * 4, tmp_path_factory.mktemp("camera") / "two.y4m")
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright, video)
        yield chromium
        chromium.close()


def record(page) -> None:
    page.get_by_role("tab", name="Webcam").click()
    page.get_by_text("Live", exact=True).click()
    start_camera(page, "#live-input")
    page.locator('#live-input button[aria-label="capture photo"]').click()
    expect(page.get_by_text("2 faces in view.").first).to_be_visible(timeout=TIMEOUT_MS)


def choose(page, face: str) -> None:
    page.locator("#live-follow input").click()
    page.get_by_role("option", name=face).click()


def followed_over(page, seconds: float) -> set[str]:
    seen = set()
    for _ in range(int(seconds / 0.25)):
        page.wait_for_timeout(250)
        seen.add(page.locator("#live-follow input").input_value())
    return seen


def test_a_chosen_face_is_followed_until_another_is_chosen(page):
    record(page)
    expect(page.locator("#live-follow input")).to_have_value("Face #1")
    choose(page, "Face #2")
    assert followed_over(page, 4) == {"Face #2"}  # it reverted to Face #1 about 2.5 s later
    assert coloured_pixels(page, "#live-timeline").sum() > 100  # its timeline's lines are drawn
    choose(page, "Face #1")  # a second change was ignored
    assert followed_over(page, 3) == {"Face #1"}


def test_stop_ends_the_run_and_says_so_and_record_starts_a_new_one(page):
    record(page)
    camera = page.locator('#live-input button[aria-label="capture photo"]')
    page.wait_for_timeout(4000)
    camera.click()  # Stop
    expect(page.locator("#live-message")).to_contain_text("Live view stopped.", timeout=10_000)
    page.wait_for_timeout(1500)
    assert "stops in" not in page.locator("#live-message").inner_text()
    camera.click()  # Record
    expect(page.locator("#live-message")).to_contain_text("stops in", timeout=TIMEOUT_MS)
    seconds = int(re.search(r"stops in (\d+) s", page.locator("#live-message").inner_text())[1])
    assert seconds >= 55  # a new 60 s run, not the first one's countdown (54 s or less by then)


def test_switching_to_snapshot_and_back_leaves_nothing_of_the_run(page):
    record(page)
    page.get_by_text("Snapshot", exact=True).click()
    expect(page.locator("#live-message")).to_have_count(0)
    expect(page.get_by_text("faces in view")).to_have_count(0)
    expect(page.locator("#snapshot-scores button")).to_have_count(0)
    page.wait_for_timeout(1000)
    assert page.evaluate(RUNNING_CAMERAS) == 0
    page.get_by_text("Live", exact=True).click()
    page.wait_for_timeout(1500)
    expect(page.locator("#live-view img")).to_have_count(0)  # no frozen frame
    expect(page.get_by_text("stops in")).to_have_count(0)


def test_leaving_the_tab_ends_the_run_turns_off_the_camera_and_upload_works(page, server, monkeypatch):
    _, app = server
    calls = []
    predict = app.predictor.predict
    monkeypatch.setattr(app.predictor, "predict", lambda *a, **k: calls.append(1) or predict(*a, **k))
    record(page)
    page.get_by_role("tab", name="Upload").click()
    page.wait_for_timeout(1500)
    assert page.evaluate(RUNNING_CAMERAS) == 0
    analysed = len(calls)
    page.wait_for_timeout(2000)
    assert len(calls) == analysed  # the run ended on the server: no frame analysed since
    page.locator(".gallery-item, button.gallery-item").first.click()
    expect(page.get_by_text("Found 1 face.")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#upload-annotated img")).to_be_visible()
