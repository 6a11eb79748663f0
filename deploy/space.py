"""The Hugging Face Space: exactly which files it needs, staged in a folder, and sent through the Hub's API.

    python -m deploy.space user/space-name            # stage the files and upload them (hf auth login first)
    python -m deploy.space --stage-only build/space   # only stage them, to look or to test

The Hub refuses a git push that carries binary files outside its Xet/LFS storage, and this repository
holds a model, ONNX weights and images. `huggingface_hub`'s upload API (which Gradio already installs)
stores binary files the way the Hub wants without git, git-lfs or a .gitattributes on the user's side,
and it sends a folder: so the Space gets the staged file set and nothing else (no tests, benchmarks,
training code or runs). The upload replaces every file of the Space, so files removed here disappear there.
"""

import argparse
import re
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What `python app.py` needs at run time, as glob patterns relative to the repository root.
SPACE_FILES = (
    "README.md",  # its front matter is the Space's configuration
    "LICENSE",
    "requirements.txt",
    "app.py",
    "emotion/**/*.py",  # the pipeline, the app, the command line (batch's driver too: Ray is not installed)
    "emotion/app/page/page.css",
    "emotion/app/page/page.js",
    "assets/README.md",
    "assets/model.tflite",  # the served model (python -m train litert); its .keras stays for training
    "assets/model_card.json",
    "assets/confusion_matrix*.png",
    "assets/face_detection_yunet_*.onnx",
    "assets/face_recognition_sface_*.onnx",
    "assets/examples/*.jpg",
)


def readme_pictures(root: Path = ROOT) -> list[Path]:
    """The pictures README.md shows from this repository (`![...](docs/x.png)`): the Space's page is that
    README, so without them it shows broken images."""
    links = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", (root / "README.md").read_text())
    return sorted({Path(link) for link in links if "://" not in link})


def space_files(root: Path = ROOT) -> list[Path]:
    """The Space's files, relative to root, sorted; a pattern or picture that matches nothing is an error."""
    missing = [path for path in readme_pictures(root) if not (root / path).is_file()]
    if missing:
        raise FileNotFoundError(f"README.md shows pictures that are not in {root}: {missing}")
    files = readme_pictures(root)
    for pattern in SPACE_FILES:
        matches = sorted(path.relative_to(root) for path in root.glob(pattern) if path.is_file())
        if not matches:
            raise FileNotFoundError(f"nothing in {root} matches {pattern!r}, which the Space needs")
        files += matches
    return sorted(set(files))


def stage(folder: Path, root: Path = ROOT) -> list[Path]:
    """Copy the Space's files into `folder` (which must be empty or absent); returns them."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty: stage into an empty folder")
    files = space_files(root)
    for relative in files:
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, folder / relative)
    return files


def upload(space_id: str, folder: Path, api=None) -> str:
    """Create the Space if needed and make its files exactly those in `folder`; returns the Space's URL."""
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    api.create_repo(space_id, repo_type="space", space_sdk="gradio", exist_ok=True)
    api.upload_folder(
        folder_path=str(folder),
        repo_id=space_id,
        repo_type="space",
        commit_message="Deploy the app",
        delete_patterns="*",
    )
    return f"https://huggingface.co/spaces/{space_id}"


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.space", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("target", help="the Space, as user/name; with --stage-only, a folder")
    parser.add_argument("--stage-only", action="store_true", help="copy the files into the folder, upload nothing")
    arguments = parser.parse_args()
    if arguments.stage_only:
        files = stage(Path(arguments.target))
        print(f"{len(files)} files staged in {arguments.target}:")
        print("\n".join(f"  {path}" for path in files))
        return
    with tempfile.TemporaryDirectory() as staging:
        files = stage(Path(staging))
        print(f"uploading {len(files)} files: {', '.join(str(path) for path in files)}")
        print(upload(arguments.target, Path(staging)))


if __name__ == "__main__":
    main()
