"""The whole photo pipeline (decode -> detect -> crop -> classify) over a labelled folder of photos.

    python -m bench.photos ../shared/photos-dev [--model PATH] [--limit N] [--half held-out|training|all]

The folder is laid out as <label>/<photo>. By default only the held-out half is scored (the half that
`python -m train fit --photos` never trains on; see train.data.is_held_out_photo); `--half training` scores
the other half (where choices are made, for a model that did not train on it), `--half all` every photo.
The largest face's label is the photo's prediction; a photo with no face found counts as wrong
in "accuracy (all photos)".
"""

import argparse
from pathlib import Path

import numpy as np

from emotion.predictor import Predictor
from harness.machine import describe_machine
from train.data import is_held_out_photo, labelled_photos
from train.metrics import run_photos

HALVES = {"held-out": is_held_out_photo, "training": lambda path: not is_held_out_photo(path), "all": lambda _: True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None, help="at most this many photos in all")
    parser.add_argument("--half", choices=tuple(HALVES), default="held-out", help="which photos to score")
    arguments = parser.parse_args()

    photos = [(path, label) for path, label in labelled_photos(arguments.folder) if HALVES[arguments.half](path)]
    photos = photos[: arguments.limit]
    run = run_photos(Predictor.load(arguments.model), photos)
    with_face = run.scores()
    print(f"photos: {len(photos)} in {arguments.folder} ({arguments.half} half)")
    print(f"face found: {run.found.mean():.1%}")
    print(f"accuracy (photos with a face): {with_face.accuracy:.1%}, macro recall {with_face.macro_recall:.1%}")
    print(f"accuracy (all photos): {(run.predicted == run.labels).mean():.1%}")
    print(
        f"ms per photo: p50 {np.percentile(run.milliseconds, 50):.1f}, p95 {np.percentile(run.milliseconds, 95):.1f}"
        f" ({describe_machine()})"
    )
    for name, figures in with_face.per_class.items():
        print(f"  {name:>8}: recall {figures['recall']:.2f} ({figures['support']} photos)")


if __name__ == "__main__":
    main()
