"""The Space's file set: what it holds, that it runs on its own, and how it is sent to the Hub."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.check import resolve_python
from deploy.space import ROOT, space_files, stage, upload


def test_the_space_gets_the_app_its_model_and_detector_and_nothing_for_development():
    files = {str(path) for path in space_files()}
    assert {
        "app.py",
        "README.md",
        "requirements.txt",
        "emotion/predictor.py",
        "assets/model.tflite",
        "assets/model_card.json",
        "assets/face_detection_yunet_2026may.onnx",
        "emotion/app/page/page.js",
        "emotion/app/page/page.css",
        "emotion/app/page/upload_tab.py",
        "emotion/app/rest.py",
    } <= files
    assert "assets/model.keras" not in files  # the Space serves the .tflite file, without TensorFlow
    development = {"tests", "bench", "harness", "train", "deploy", "runs"}
    assert not [name for name in files if name.split("/")[0] in development]
    assert not [name for name in files if name.startswith("docs/") and not name.endswith(".png")]
    assert "requirements-dev.txt" not in files


def test_every_picture_the_space_page_shows_is_staged(tmp_path):
    stage(tmp_path / "space")
    readme = (tmp_path / "space" / "README.md").read_text()
    pictures = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", readme)
    assert "docs/screenshot.png" in pictures
    assert not [picture for picture in pictures if not (tmp_path / "space" / picture).is_file()]


def test_check_says_plainly_which_python_it_cannot_use():
    assert Path(resolve_python(sys.executable)).is_file()
    with pytest.raises(SystemExit, match="no Python called 'python3.99-nowhere'"):
        resolve_python("python3.99-nowhere")
    with pytest.raises(SystemExit, match="not a working Python"):
        resolve_python(shutil.which("false"))


def test_staging_copies_exactly_the_file_set_into_an_empty_folder(tmp_path):
    files = stage(tmp_path / "space")
    staged = sorted(path.relative_to(tmp_path / "space") for path in (tmp_path / "space").rglob("*") if path.is_file())
    assert staged == sorted(files)
    model = Path("assets/model.tflite")
    assert (tmp_path / "space" / model).read_bytes() == (ROOT / model).read_bytes()
    with pytest.raises(FileExistsError, match="not empty"):
        stage(tmp_path / "space")


@pytest.mark.slow
def test_the_staged_app_imports_without_the_rest_of_the_repository(tmp_path):
    """Nothing app.py imports lives outside the file set (no train/, bench/ ...)."""
    stage(tmp_path / "space")
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", "import app; print(app.predictor.served_head)"],
        cwd=tmp_path / "space",
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "ferplus"


class RecordingHub:
    def __init__(self):
        self.calls = []

    def create_repo(self, *args, **kwargs):
        self.calls.append(("create_repo", args, kwargs))

    def upload_folder(self, **kwargs):
        self.calls.append(("upload_folder", (), kwargs))


def test_upload_creates_a_gradio_space_and_replaces_its_files_with_the_staged_folder(tmp_path):
    hub = RecordingHub()
    url = upload("someone/emotions", tmp_path, api=hub)
    assert url == "https://huggingface.co/spaces/someone/emotions"
    (create, args, options), (send, _, upload_options) = hub.calls
    assert create == "create_repo" and args == ("someone/emotions",)
    assert options == {"repo_type": "space", "space_sdk": "gradio", "exist_ok": True}
    assert send == "upload_folder" and Path(upload_options["folder_path"]) == tmp_path
    assert upload_options["repo_type"] == "space" and upload_options["delete_patterns"] == "*"
