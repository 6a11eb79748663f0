"""The Space as it will run: its staged files alone, in a fresh virtualenv with only requirements.txt.

    python -m deploy.check [--python python3.13]

Stages the file set (deploy.space) into an empty folder, makes a virtualenv there with the given
interpreter, installs requirements.txt into it, starts `python app.py` from the folder, and asks
/healthz and /process_image (an example photo must give a face). Exits non-zero on any failure.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from deploy.space import stage
from harness.server import running_app

EXAMPLE = Path("assets/examples/astronaut.jpg")  # one of the staged files: a photo with one face


def check(python: str, folder: Path) -> dict:
    """Stage, install and serve in `folder`; returns the /process_image answer for the example photo."""
    space = folder / "space"
    files = stage(space)
    print(f"staged {len(files)} files in {space}", flush=True)
    venv = folder / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    venv_python = str(venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python"))
    subprocess.run(
        [
            venv_python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(space / "requirements.txt"),
        ],
        check=True,
    )
    version = subprocess.run([venv_python, "--version"], check=True, capture_output=True, text=True).stdout.strip()
    print(f"installed requirements.txt with {version}", flush=True)
    with running_app(python=venv_python, folder=space, startup_seconds=300) as app:
        health = httpx.get(f"{app.url}/healthz", timeout=10)
        health.raise_for_status()
        with (space / EXAMPLE).open("rb") as photo:
            answer = httpx.post(
                f"{app.url}/process_image", files={"file": (EXAMPLE.name, photo, "image/jpeg")}, timeout=60
            )
        answer.raise_for_status()
        result = answer.json()
        if not result.get("faces"):
            raise RuntimeError(f"no face in {EXAMPLE} from the staged Space: {result}")
        print(f"/healthz: {health.json()}\n/process_image: {result['result']}, {len(result['faces'])} face(s)")
        return result


def resolve_python(name: str) -> str:
    """The interpreter's own path for a name or path (a pyenv shim, python3.13, /usr/bin/python3); SystemExit
    with a plain message when it cannot be found or run."""
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"deploy.check: no Python called {name!r} on PATH or at that path")
    try:
        ran = subprocess.run(
            [found, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True, timeout=60
        )
    except OSError as error:
        raise SystemExit(f"deploy.check: {name!r} ({found}) cannot be run: {error.strerror}") from None
    if ran.returncode != 0 or not ran.stdout.strip():
        reason = (ran.stderr.strip().splitlines() or ["no output"])[0]
        raise SystemExit(f"deploy.check: {name!r} ({found}) is not a working Python: {reason}")
    return ran.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.check", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--python", default=sys.executable, help="the interpreter the Space's virtualenv uses")
    arguments = parser.parse_args()
    python = resolve_python(arguments.python)
    with tempfile.TemporaryDirectory() as folder:
        check(python, Path(folder))


if __name__ == "__main__":
    main()
