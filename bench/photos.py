"""The whole photo pipeline (decode -> detect -> crop -> classify) over a labelled folder of photos.

    python -m bench.photos ../shared/photos-dev [--model PATH] [--limit N]

The folder is laid out as <label>/<photo>. The largest face's label is the photo's prediction; a
photo with no face found counts as wrong in "accuracy (all photos)".
"""

import argparse
import time
from pathlib import Path

import numpy as np

from emotion.images import open_image
from emotion.labels import CLASSES
from emotion.predictor import Predictor
from train.evaluate import score

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None, help="at most this many photos per label")
    arguments = parser.parse_args()

    predictor = Predictor.load(arguments.model)
    labels, predicted, found, milliseconds = [], [], [], []
    for label_index, name in enumerate(CLASSES):
        paths = sorted(p for p in (arguments.folder / name).glob("*") if p.suffix.lower() in PHOTO_SUFFIXES)
        for path in paths[: arguments.limit]:
            started = time.perf_counter()
            faces = predictor.predict(open_image(path))
            milliseconds.append((time.perf_counter() - started) * 1000)
            labels.append(label_index)
            found.append(bool(faces))
            predicted.append(CLASSES.index(faces[0].label) if faces else -1)
    labels_array, predicted_array, found_array = np.array(labels), np.array(predicted), np.array(found)
    with_face = score(labels_array[found_array], predicted_array[found_array])
    print(f"photos: {len(labels)} in {arguments.folder}")
    print(f"face found: {found_array.mean():.1%}")
    print(f"accuracy (photos with a face): {with_face.accuracy:.1%}, macro recall {with_face.macro_recall:.1%}")
    print(f"accuracy (all photos): {(predicted_array == labels_array).mean():.1%}")
    print(f"ms per photo: p50 {np.percentile(milliseconds, 50):.1f}, p95 {np.percentile(milliseconds, 95):.1f}")
    for name, figures in with_face.per_class.items():
        print(f"  {name:>8}: recall {figures['recall']:.2f} ({figures['support']} photos)")


if __name__ == "__main__":
    main()
