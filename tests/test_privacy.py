"""Nothing a user uploads is kept: Gradio's cache is swept, REST spools nothing to disk, logs hold no names."""

import logging
import os
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from emotion.app.demo import build_demo
from emotion.app.scratch import scratch_folder
from tests.helpers import encode


def files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()}


@pytest.fixture
def sweeping_server(server):
    """A second instance of the page whose cache sweep runs every second for files older than 2 s."""
    _, app = server
    blocks = build_demo(app.predictor, delete_cache=(1, 2))
    _, url, _ = blocks.launch(server_port=None, prevent_thread_lock=True)
    yield url.rstrip("/")
    blocks.close()


def test_uploads_and_result_images_are_swept_from_the_cache(sweeping_server, astronaut, tmp_path):
    cache = Path(os.environ["GRADIO_TEMP_DIR"])
    before = files_under(cache)
    photo = tmp_path / "someone.png"
    Image.fromarray(astronaut).save(photo)
    client = Client(sweeping_server, verbose=False)
    for _ in range(3):
        assert client.predict(handle_file(str(photo)), api_name="/predict")[2] == "Found 1 face."
    created = files_under(cache) - before
    assert created, "the uploads and annotated images should have gone through the cache folder"
    deadline = time.monotonic() + 30
    while any(path.exists() for path in created) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not [path for path in created if path.exists()], [path for path in created if path.exists()]


def test_rest_keeps_no_file(server, astronaut, tmp_path, monkeypatch):
    """A 2+ MB upload (over the multipart parser's in-memory limit) leaves no named file in the temporary
    folder or Gradio's cache: the REST path decodes from memory and saves nothing."""
    url, _ = server
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    cache = Path(os.environ["GRADIO_TEMP_DIR"])
    cached_before = files_under(cache)
    big = encode(Image.fromarray(astronaut).resize((2048, 2048)), "PNG")
    assert len(big) > 2 * 1024 * 1024
    response = httpx.post(f"{url}/process_image", files={"file": ("someone.png", big)}, timeout=60)
    assert response.status_code == 200
    assert files_under(spool) == set()
    assert files_under(cache) - cached_before == set()


def test_logs_hold_sizes_and_timings_only(server, astronaut, tmp_path, caplog):
    url, _ = server
    photo = tmp_path / "alice-smith-passport.png"
    Image.fromarray(astronaut).save(photo)
    with caplog.at_level(logging.INFO, logger="emotion.requests"):
        httpx.post(f"{url}/process_image", files={"file": (photo.name, photo.read_bytes())}, timeout=60)
        Client(url, verbose=False).predict(handle_file(str(photo)), api_name="/predict")
        httpx.post(f"{url}/process_image", files={"file": (photo.name, b"junk")}, timeout=60)
    lines = [record.getMessage() for record in caplog.records if record.name == "emotion.requests"]
    assert len(lines) == 3
    assert lines[0].startswith("rest 200: ") and f"{photo.stat().st_size} bytes, 512x512 px, 1 faces" in lines[0]
    assert lines[1].startswith("ui ok: ") and lines[2].startswith("rest 400: ")
    for line in lines:
        assert line.endswith(" ms") and "alice" not in line and "/" not in line


def test_clips_and_their_results_are_swept_and_rest_keeps_no_clip(
    sweeping_server, server, astronaut, tmp_path, monkeypatch
):
    from harness.clips import write_clip

    clip = tmp_path / "someone.webm"
    write_clip(clip, [astronaut] * 10, fps=10, codec="VP80")
    cache = Path(os.environ["GRADIO_TEMP_DIR"])
    before = files_under(cache)
    client = Client(sweeping_server, verbose=False, download_files=str(tmp_path))  # its copies are not the cache
    message = client.predict(handle_file(str(clip)), api_name="/predict_video")[2]
    assert message.startswith("Followed 1 person")
    created = files_under(cache) - before
    assert {path.suffix for path in created} == {
        ".webm"
    }  # the upload and the annotated clip (CSV, JSON: the browser's)
    deadline = time.monotonic() + 30
    while any(path.exists() for path in created) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not [path for path in created if path.exists()], [path for path in created if path.exists()]

    url, _ = server
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    response = httpx.post(f"{url}/process_video", files={"file": ("someone.webm", clip.read_bytes())}, timeout=60)
    assert response.status_code == 200 and files_under(spool) == set() and not list(spool.iterdir())
    assert files_under(scratch_folder()) == set()
