"""The command line, whole: `python -m emotion predict` analyses photos and clips here; `python -m emotion batch`
hands whole archives to Ray Data (emotion.batch), imported only when asked for, so predict never loads Ray.

    python -m emotion predict PHOTO_OR_CLIP... [--json] [--whole-image] [--model PATH]
    python -m emotion batch PATH... --out DIR [--format parquet|csv|jsonl] [--address ADDRESS] [--workers N]

predict prints one line a photo (text or JSON) and one JSON line a person in a clip, whatever --json says: a
timeline is data, not a sentence. Clips are held to the archive's limits (emotion.limits): these are a person's
own files, not uploads to a shared server. The exit status is 1 if any file could not be read.
"""

import argparse
import json
import sys
from pathlib import Path

from emotion.batch import OUTPUT_FORMATS
from emotion.errors import InputError
from emotion.images import open_image
from emotion.limits import ARCHIVE_LIMITS, VIDEO_SUFFIXES
from emotion.results import FaceResult

# The model and OpenCV's clip reader (emotion.predictor, emotion.video) are imported by predict alone: batch's
# driver loads neither, its workers do.


def describe(faces: list[FaceResult]) -> str:
    if not faces:
        return "no face found (try --whole-image for a photo that is already a cropped face)"
    return "; ".join(
        f"{face.label} {face.scores[face.label]:.0%} at {list(face.box)}"
        + (f" ({', '.join(face.warnings)})" if face.warnings else "")
        for face in faces
    )


def unreadable(error: Exception) -> str:
    """What a person reads about a file that could not be analysed."""
    return str(error) if isinstance(error, InputError) else f"cannot open the file: {error.strerror}"


def predict_files(predictor, paths: list[Path], as_json: bool, whole_image: bool) -> int:
    """Print one line per photo and one JSON line per person in a clip; returns how many files failed."""
    failures = 0
    for path in paths:
        if path.suffix.lower() in VIDEO_SUFFIXES:
            failures += not predict_clip(predictor, path)
            continue
        try:
            faces = predictor.predict(open_image(path), whole_image=whole_image)
        except (InputError, OSError) as error:
            failures += 1
            message = unreadable(error)
            print(json.dumps({"file": str(path), "error": message}) if as_json else f"{path}: error: {message}")
            continue
        if as_json:
            print(json.dumps({"file": str(path), "faces": [face.to_dict() for face in faces]}))
        else:
            print(f"{path}: {describe(faces)}")
        sys.stdout.flush()
    return failures


def predict_clip(predictor, path: Path) -> bool:
    """Print one JSON line per person in the clip ({"file": ..., "faces": []} when there is none); False when
    the clip cannot be read."""
    from emotion.video import analyse_clip

    try:
        result = analyse_clip(predictor, path, limits=ARCHIVE_LIMITS)
    except (InputError, OSError) as error:
        print(json.dumps({"file": str(path), "error": unreadable(error)}))
        return False
    record = result.to_dict()
    clip = {"file": str(path), "duration": record["duration"], "sample_rate": record["sample_rate"]}
    for person in record["faces"]:
        print(json.dumps(clip | person))
    if not record["faces"]:
        print(json.dumps(clip | {"faces": []}))
    sys.stdout.flush()
    return True


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m emotion", description="Facial-expression recognition on photos.")
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="find the faces in photos or clips and classify their expressions")
    predict.add_argument("photos", nargs="+", type=Path, help="photos, or clips (.mp4, .webm, .mov, ...)")
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.add_argument("--whole-image", action="store_true", help="treat each whole photo as one face")
    predict.add_argument("--model", type=Path, default=None, help="a .tflite or .keras model (assets/model.tflite)")
    batch = commands.add_parser("batch", help="analyse whole folders of photos and clips into tables (Ray Data)")
    batch.add_argument("paths", nargs="+", help="files, folders (recursively) and glob patterns, photos and clips")
    batch.add_argument("--out", type=Path, required=True, help="where the tables go; a rerun resumes there")
    batch.add_argument("--format", choices=OUTPUT_FORMATS, default="parquet", help="the tables' format")
    batch.add_argument("--address", default=None, help="a Ray cluster (default: RAY_ADDRESS, else this machine)")
    batch.add_argument("--workers", type=int, default=None, help="analysing actors (default: one a CPU)")
    batch.add_argument("--model", default=None, help="a .tflite or .keras model (assets/model.tflite)")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    if arguments.command == "batch":
        from emotion.batch.driver import run

        return run(arguments)
    from emotion.classifier import NeedsKeras
    from emotion.contract import ContractMismatch
    from emotion.predictor import Predictor  # the model, only where predict is asked for

    try:
        predictor = Predictor.load(arguments.model)
    except (FileNotFoundError, NeedsKeras, ContractMismatch) as problem:  # a model that cannot serve: one line
        print(f"error: {problem}", file=sys.stderr)
        return 2
    return 1 if predict_files(predictor, arguments.photos, arguments.json, arguments.whole_image) else 0


if __name__ == "__main__":
    sys.exit(main())
