"""Every code snippet in README.md and docs/ runs, so none can drift from the code.

Python snippets and the REST, CLI and Gradio commands run for real, against the app served on loopback, in a
folder holding the files they name (photo.jpg, face.png, clip.mp4). A command that trains, benchmarks or deploys
on data and machines the tests do not have (`python -m train ...`, `bench.*`, `deploy.*`, the GPU recipe's
script) has its command line parsed by the real parser, options and all; so is every such command quoted in the
prose. The two install commands are the ones CI runs (tests/test_project.py, deploy.check), and the Hub's
`hf` commands are asked for their --help (they need the reader's account)."""

import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from harness.clips import panning_frames, write_clip
from harness.server import RAY_LOOPBACK
from tests.helpers import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCUMENTED_URL = "http://127.0.0.1:7860"
PARSED_ONLY = re.compile(
    r"^(python -m (train|bench\.\w+|deploy\.\w+|docs\.\w+)|bash train/|RAY_ADDRESS=\S+ python -m emotion batch)"
)
INSTALL_COMMANDS = (
    "pip install -r requirements.txt && python app.py",
    "pip install -r requirements-dev.txt && python -m pytest",
)
BATCH_INSTALL = "pip install -r requirements-batch.txt"  # requirements-dev.txt includes it
# A server's reverse-proxy setup (docs/deployment.md): root's commands, not run here; tests/test_nginx.py serves the
# configuration they install.
PROXY_SETUP = (
    "sudo apt-get install nginx-light",
    "sudo cp deploy/nginx.conf /etc/nginx/nginx.conf",
    "sudo nginx -t && sudo systemctl reload nginx",
)
# Ray's single-machine settings, which keep a batch's local cluster on loopback (127.0.0.1).


@dataclass
class Snippet:
    document: str
    language: str
    code: str
    answer: str | None  # the ```json block right after it: what it prints


def snippets() -> list[Snippet]:
    found = []
    for document in DOCUMENTS:
        blocks = re.findall(r"^```(\w*)\n(.*?)^```\n(?:\n```json\n(.*?)^```\n)?", document.read_text(), re.M | re.S)
        found += [
            Snippet(document.name, language, code, answer or None)
            for language, code, answer in blocks
            if language != "json"
        ]
    return found


def commands_of(snippet: Snippet) -> list[str]:
    """The command lines of a console snippet, comments and blank lines left out."""
    lines = [re.split(r"\s+#\s", " " + line)[0].strip() for line in snippet.code.splitlines()]
    return [line for line in lines if line]


def prose_commands() -> list[str]:
    """`python -m train|bench|deploy|docs ...` quoted in the prose (backticks), whole commands only."""
    quoted = []
    for document in DOCUMENTS:
        text = re.sub(r"^```.*?^```\n", "", document.read_text(), flags=re.M | re.S)
        for match in re.findall(r"`((?:pip install [^`]*&& )?python -m (?:train|bench\.\w+|deploy\.\w+)[^`]*)`", text):
            command = " ".join(match.split()).split(" && ")[-1]
            if " --" in command:  # a command with its options, not a module named in passing
                quoted.append(command)
    return quoted


def dry_parse(commands: list[str]) -> list[str]:
    """Each command's arguments parsed by its module's own argparse parser (nothing run); the failures."""
    modules = []
    for command in commands:
        words = shlex.split(command)
        while "=" in words[0]:  # an environment setting before the command
            words = words[1:]
        if words[:2] == ["bash", "train/distil_recipe.sh"]:
            assert words[2] in ("prepare", "run"), command
            words = (
                ["python", "-m", "train", "distil-recipe", "--pack", "pack.npz", "--out", *words[3:]]
                if words[2] == "run"
                else ["python", "-m", "train", "pack", "--data", "data"]
            )
        modules.append((words[2], words[3:]))
    script = """
import argparse, json, runpy, sys
class Parsed(Exception):
    pass
original = argparse.ArgumentParser.parse_args
def parse_only(self, args=None, namespace=None):
    original(self, args, namespace)
    raise Parsed
argparse.ArgumentParser.parse_args = parse_only
failures = []
for module, arguments in json.loads(sys.argv[1]):
    sys.argv = [module, *arguments]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        failures.append(f"{module} {arguments}: ran without parsing its arguments")
    except Parsed:
        pass
    except SystemExit as exit:
        if exit.code != 0:  # --help
            failures.append(f"{module} {arguments}: exit {exit.code}")
    except Exception as error:
        failures.append(f"{module} {arguments}: {error!r}")
print(json.dumps(failures))
"""
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(modules)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory, astronaut) -> Path:
    """A folder with the files the snippets name, and the repository's assets."""
    folder = tmp_path_factory.mktemp("snippets")
    Image.fromarray(astronaut).save(folder / "photo.jpg")
    (folder / "photos").mkdir()
    Image.fromarray(astronaut[:, ::-1]).save(folder / "photos" / "mirrored.jpg")
    Image.fromarray(astronaut[20:220, 150:320]).save(folder / "face.png")
    write_clip(folder / "clip.mp4", panning_frames(astronaut, seconds=2, size=(640, 360), fps=10), fps=10)
    (folder / "assets").symlink_to(ROOT / "assets")
    return folder


def run_here(command: list[str], sandbox: Path, url: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ, PYTHONPATH=str(ROOT), **RAY_LOOPBACK)
    return subprocess.run(
        [part.replace(DOCUMENTED_URL, url) for part in command],
        cwd=sandbox,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_snippets_are_found_in_every_document():
    found = snippets()
    assert {snippet.document for snippet in found} >= {"README.md", "usage.md", "training.md"}
    assert {snippet.language for snippet in found} <= {"console", "python", "text"}


@pytest.mark.slow
@pytest.mark.parametrize(
    "snippet",
    [s for s in snippets() if s.language == "python"],
    ids=lambda snippet: f"{snippet.document}:{snippet.code.splitlines()[0][:40]}",
)
def test_python_snippets_run(snippet: Snippet, sandbox, server):
    url, _ = server
    result = run_here([sys.executable, "-c", snippet.code], sandbox, url)
    assert result.returncode == 0, f"{snippet.document}:\n{snippet.code}\n{result.stderr[-3000:]}"


@pytest.mark.parametrize(
    "command",
    [
        command
        for snippet in snippets()
        if snippet.language == "console"
        for command in commands_of(snippet)
        if not PARSED_ONLY.match(command) and command not in (*INSTALL_COMMANDS, BATCH_INSTALL, *PROXY_SETUP)
    ],
)
@pytest.mark.slow
def test_console_commands_run(command: str, sandbox, server):
    url, _ = server
    known = ("curl ", "python -m emotion ", "hf ", "ray ")
    assert command.startswith(known), f"a command this test does not know: {command}"
    words = shlex.split(command)
    if words[0] in ("hf", "ray"):  # another tool's command line: it must exist as written; running it is the reader's
        words = [str(Path(sys.executable).with_name(words[0])), *words[1:], "--help"]
    if words[0] == "python":
        words[0] = sys.executable
    if any("*" in word for word in words):  # as a shell expands it, from the repository's files
        words = [
            expanded
            for word in words
            for expanded in (sorted(str(path) for path in sandbox.glob(word)) if "*" in word else [word])
        ]
    result = run_here(words, sandbox, url)
    assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    answer = next((s.answer for s in snippets() if command in commands_of(s) and s.answer), None)
    if answer is not None:  # what the document says it prints has the same fields
        assert set(json.loads(result.stdout)) == set(json.loads(answer.replace('"...": 0', '"x": 0')))


@pytest.mark.slow
def test_training_benchmark_and_deploy_commands_parse():
    commands = [
        command
        for snippet in snippets()
        if snippet.language == "console"
        for command in commands_of(snippet)
        if PARSED_ONLY.match(command)
    ] + prose_commands()
    assert len(commands) > 10
    assert dry_parse(commands) == []


def test_the_install_commands_are_the_ones_ci_runs():
    readme = [
        command
        for snippet in snippets()
        if snippet.document == "README.md" and snippet.language == "console"
        for command in commands_of(snippet)
    ]
    installs = sorted(command for command in readme if command.startswith("pip "))
    assert installs == sorted([*INSTALL_COMMANDS, BATCH_INSTALL])
    assert "-r requirements-batch.txt" in (ROOT / "requirements-dev.txt").read_text()
    check = (ROOT / "deploy" / "check.py").read_text()
    assert "requirements.txt" in check and '"app.py"' in (ROOT / "harness" / "server.py").read_text()
