"""python -m emotion predict PHOTO... [--json] [--whole-image] [--model PATH]"""

import argparse
import json
import sys
from pathlib import Path

from emotion.images import ImageError, open_image
from emotion.predictor import Predictor
from emotion.results import FaceResult


def describe(faces: list[FaceResult]) -> str:
    if not faces:
        return "no face found (try --whole-image for a photo that is already a cropped face)"
    return "; ".join(f"{face.label} {face.scores[face.label]:.0%} at {list(face.box)}" for face in faces)


def predict_files(predictor: Predictor, paths: list[Path], as_json: bool, whole_image: bool) -> int:
    """Print one line per photo; returns the number of photos that could not be read."""
    failures = 0
    for path in paths:
        try:
            faces = predictor.predict(open_image(path), whole_image=whole_image)
        except (ImageError, OSError) as error:
            failures += 1
            message = str(error) if isinstance(error, ImageError) else f"cannot open the file: {error.strerror}"
            print(json.dumps({"file": str(path), "error": message}) if as_json else f"{path}: error: {message}")
            continue
        if as_json:
            print(json.dumps({"file": str(path), "faces": [face.to_dict() for face in faces]}))
        else:
            print(f"{path}: {describe(faces)}")
        sys.stdout.flush()
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emotion", description="Facial-expression recognition on photos.")
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="find the faces in photos and classify their expressions")
    predict.add_argument("photos", nargs="+", type=Path)
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.add_argument("--whole-image", action="store_true", help="treat each whole photo as one face")
    predict.add_argument("--model", type=Path, default=None, help="a .keras model (default: assets/model.keras)")
    arguments = parser.parse_args(argv)

    predictor = Predictor.load(arguments.model)
    failures = predict_files(predictor, arguments.photos, arguments.json, arguments.whole_image)
    return 1 if failures else 0
