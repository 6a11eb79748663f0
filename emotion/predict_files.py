"""python -m emotion predict PHOTO_OR_CLIP...: one line a photo (text or JSON), one JSON line a person in a clip.

A clip (.mp4, .webm, .mov, ...) prints one JSON line per person followed through it (emotion.video), whatever
--json says: a timeline is data, not a sentence. Clips are held to the archive's limits (emotion.clip_limits):
these are a person's own files, not uploads to a shared server.
"""

import json
import sys
from pathlib import Path

from emotion.clip_limits import ARCHIVE_LIMITS, VIDEO_SUFFIXES
from emotion.errors import VideoError
from emotion.images import ImageError, open_image
from emotion.predictor import Predictor
from emotion.results import FaceResult
from emotion.video import analyse_clip


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
        result = analyse_clip(predictor, path, limits=ARCHIVE_LIMITS)
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


def main(arguments) -> int:
    """`python -m emotion predict` (emotion.cli parses the options); the exit status is 1 if any file failed."""
    predictor = Predictor.load(arguments.model)
    failures = predict_files(predictor, arguments.photos, arguments.json, arguments.whole_image)
    return 1 if failures else 0
