"""python -m emotion predict PHOTO_OR_CLIP... [--json] [--whole-image] [--model PATH]
python -m emotion batch PATH... --out DIR [--format parquet|csv|jsonl] (emotion.batch)

A clip (.mp4, .webm, .mov, ...) prints one JSON line per person followed through it (emotion.video), whatever
--json says: a timeline is data, not a sentence.
"""

import argparse
import json
import sys
from pathlib import Path

from emotion.batch_tables import OUTPUT_FORMATS
from emotion.errors import VideoError
from emotion.images import ImageError, open_image
from emotion.predictor import Predictor
from emotion.results import FaceResult
from emotion.video import VIDEO_SUFFIXES, analyse_clip, check_video_file


def describe(faces: list[FaceResult]) -> str:
    if not faces:
        return "no face found (try --whole-image for a photo that is already a cropped face)"
    return "; ".join(f"{face.label} {face.scores[face.label]:.0%} at {list(face.box)}" for face in faces)


def predict_files(predictor: Predictor, paths: list[Path], as_json: bool, whole_image: bool) -> int:
    """Print one line per photo; returns the number of photos that could not be read."""
    failures = 0
    for path in paths:
        if path.suffix.lower() in VIDEO_SUFFIXES:
            failures += not predict_clip(predictor, path)
            continue
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


def predict_clip(predictor: Predictor, path: Path) -> bool:
    """Print one JSON line per person in the clip ({"file": ..., "faces": []} when there is none); False when
    the clip cannot be read."""
    try:
        check_video_file(path)
        result = analyse_clip(predictor, path)
    except (VideoError, OSError) as error:
        message = str(error) if isinstance(error, VideoError) else f"cannot open the file: {error.strerror}"
        print(json.dumps({"file": str(path), "error": message}))
        return False
    record = result.to_dict()
    clip = {"file": str(path), "duration": record["duration"], "sample_rate": record["sample_rate"]}
    for person in record["faces"]:
        print(json.dumps(clip | person))
    if not record["faces"]:
        print(json.dumps(clip | {"faces": []}))
    sys.stdout.flush()
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emotion", description="Facial-expression recognition on photos.")
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="find the faces in photos or clips and classify their expressions")
    predict.add_argument("photos", nargs="+", type=Path, help="photos, or clips (.mp4, .webm, .mov, ...)")
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.add_argument("--whole-image", action="store_true", help="treat each whole photo as one face")
    predict.add_argument("--model", type=Path, default=None, help="a .keras model (default: assets/model.keras)")
    batch = commands.add_parser("batch", help="analyse whole folders of photos and clips into tables (Ray Data)")
    batch.add_argument("paths", nargs="+", help="files, folders (recursively) and glob patterns, photos and clips")
    batch.add_argument("--out", type=Path, required=True, help="where the tables go; a rerun resumes there")
    batch.add_argument("--format", choices=OUTPUT_FORMATS, default="parquet", help="the tables' format")
    batch.add_argument("--address", default=None, help="a Ray cluster (default: RAY_ADDRESS, else this machine)")
    batch.add_argument("--workers", type=int, default=None, help="analysing actors (default: one a CPU)")
    batch.add_argument("--model", default=None, help="a .keras model (default: assets/model.keras)")
    arguments = parser.parse_args(argv)
    if arguments.command == "batch":
        from emotion.batch import main as batch_main  # Ray only where batch is asked for

        return batch_main(arguments)

    predictor = Predictor.load(arguments.model)
    failures = predict_files(predictor, arguments.photos, arguments.json, arguments.whole_image)
    return 1 if failures else 0
