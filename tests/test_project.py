"""The Space configuration agrees with what is installed and pinned."""

import re

import gradio
import yaml  # PyYAML: gradio needs it too

from tests.conftest import ROOT


def front_matter() -> dict:
    """The Space's settings, read as the Hub reads them: YAML."""
    text = (ROOT / "README.md").read_text()
    block = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    assert block, "README.md must start with the Space's front matter"
    return yaml.safe_load(block.group(1))


def test_space_front_matter_matches_pinned_gradio():
    meta = front_matter()
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py"
    assert meta["sdk_version"] == gradio.__version__
    assert f"gradio=={meta['sdk_version']}" in (ROOT / "requirements.txt").read_text()
    for key in ("title", "emoji", "license", "short_description", "python_version"):
        assert meta.get(key), key
    assert len(meta["short_description"]) <= 60  # the Hub refuses a Space whose short description is longer


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    command = "pip install -r requirements-dev.txt && python -m pytest"
    assert command in readme and command in (ROOT / ".ci" / "run").read_text()
