"""The Space as it will run: its staged files alone, in a fresh virtualenv with only requirements.txt.

    python -m deploy.check [--python python3.13]

Stages the file set (deploy.space) into an empty folder, makes a virtualenv there with the given
interpreter, installs requirements.txt into it, starts `python app.py` from the folder, and asks
/healthz and /process_image (an example photo must give a face). Exits non-zero on any failure.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from bench.server import running_app
from deploy.space import stage

EXAMPLE = Path("assets/examples/astronaut.jpg")  # one of the staged files: a photo with one face


def check(python: str, folder: Path) -> dict:
    """Stage, install and serve in `folder`; returns the /process_image answer for the example photo."""
    space = folder / "space"
    files = stage(space)
    print(f"staged {len(files)} files in {space}", flush=True)
    venv = folder / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    venv_python = str(venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python"))
    subprocess.run([venv_python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(space / "requirements.txt")], check=True)
    version = subprocess.run([venv_python, "--version"], check=True, capture_output=True, text=True).stdout.strip()
    print(f"installed requirements.txt with {version}", flush=True)
    with running_app(python=venv_python, folder=space, startup_seconds=300) as app:
        health = httpx.get(f"{app.url}/healthz", timeout=10)
        health.raise_for_status()
        with (space / EXAMPLE).open("rb") as photo:
            answer = httpx.post(f"{app.url}/process_image", files={"file": (EXAMPLE.name, photo, "image/jpeg")},
                                timeout=60)
        answer.raise_for_status()
        result = answer.json()
        if not result.get("faces"):
            raise RuntimeError(f"no face in {EXAMPLE} from the staged Space: {result}")
        print(f"/healthz: {health.json()}\n/process_image: {result['result']}, {len(result['faces'])} face(s)")
        return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="the interpreter the Space's virtualenv uses")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        check(arguments.python, Path(folder))


if __name__ == "__main__":
    main()
