"""The app's one temporary folder (emotion.app.scratch): swept while the app runs, emptied when it starts and when it
stops cleanly."""

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from emotion.app import scratch
from harness.server import running_app
from tests.helpers import ROOT


def test_the_sweep_removes_old_files_partial_uploads_and_empty_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOTION_TEMP_DIR", str(tmp_path))
    old = time.time() - 600
    partial = tmp_path / "gradio" / "abc123" / "upload.part"
    empty = tmp_path / "gradio" / "def456"
    fresh = tmp_path / "scratch" / "emotion-clip-1" / "clip"
    for path in (partial, fresh):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"x" * 100)
    empty.mkdir()
    os.utime(partial, (old, old))
    for folder in (partial.parent, empty):
        os.utime(folder, (old, old))
    assert scratch.sweep(age_seconds=120) == 1
    assert not partial.exists() and not partial.parent.exists() and not empty.exists()
    assert fresh.exists() and (tmp_path / "gradio").is_dir()


@pytest.mark.slow
def test_what_a_crashed_app_left_is_gone_once_the_app_answers_again(tiny_model_path, tmp_path, monkeypatch):
    folder = tmp_path / "emotion-app"
    leftovers = [
        folder / "gradio" / "0a1b" / "someone.jpg",
        folder / "gradio" / "9f8e" / "annotated.webm",
        folder / "scratch" / "emotion-clip-x" / "clip",
    ]
    for path in leftovers:
        path.parent.mkdir(parents=True)
        path.write_bytes(b"what a killed process left")
    monkeypatch.setenv("EMOTION_TEMP_DIR", str(folder))
    with running_app(tiny_model_path) as app:
        assert app.url.startswith("http://127.0.0.1:")
        assert not [path for path in leftovers if path.exists()]
        examples = {path.name for path in [*(ROOT / "assets" / "examples").iterdir(), *(ROOT / "assets").glob("*.png")]}
        assert {path.name for path in folder.rglob("*") if path.is_file()} <= examples  # what the new page put there


def test_a_clean_stop_leaves_the_folder_empty(tiny_model_path, tmp_path, monkeypatch):
    """SIGTERM (how a container or a Space is stopped) ends the app with its folder emptied, not two minutes of
    uploads waiting for the next start."""
    folder = tmp_path / "emotion-app"
    monkeypatch.setenv("EMOTION_TEMP_DIR", str(folder))
    with running_app(tiny_model_path) as app:
        with (ROOT / "assets" / "examples" / "angry.jpg").open("rb") as photo:
            answer = httpx.post(f"{app.url}/gradio_api/upload", files={"files": photo}, timeout=30)
        [uploaded] = answer.json()
        assert Path(uploaded).is_file() and folder in Path(uploaded).parents
        app.process.send_signal(signal.SIGTERM)
        assert app.process.wait(timeout=30) == 0
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_the_sweep_spares_a_running_jobs_folder_and_the_files_it_is_told_to_keep(tmp_path, monkeypatch):
    """A page clip analysed for 248 s lost its folder mid-analysis; a queued clip lost its upload."""
    monkeypatch.setenv("EMOTION_TEMP_DIR", str(tmp_path))
    old = time.time() - 600
    queued_upload = tmp_path / "gradio" / "abc" / "queued.mp4"
    queued_upload.parent.mkdir(parents=True)
    queued_upload.write_bytes(b"x")
    os.utime(queued_upload, (old, old))
    with scratch.working_folder("emotion-clip-") as folder:
        written = folder / "annotated.webm"
        written.write_bytes(b"x")
        os.utime(written, (old, old))
        os.utime(folder, (old, old))
        assert scratch.sweep(age_seconds=120, keep={str(queued_upload)}) == 0
        assert written.exists() and queued_upload.exists()
        assert scratch.sweep(age_seconds=120) == 1 and written.exists()  # the job's folder, still running
    assert not folder.exists()  # gone with its job
    assert not queued_upload.exists()


def test_an_upload_cut_off_is_removed_but_one_still_arriving_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOTION_TEMP_DIR", str(tmp_path))
    scratch.cache_folder().mkdir(parents=True)
    cut_off, arriving = scratch.cache_folder() / "tmpcut", scratch.cache_folder() / "tmparriving"
    cut_off.write_bytes(b"x")
    with arriving.open("wb") as still_open:
        still_open.write(b"x")
        assert scratch.remove_partial_uploads() == 1
        assert not cut_off.exists() and arriving.exists()
