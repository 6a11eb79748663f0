"""Large photos are analysed reduced (emotion.images.ANALYSED_SIDE): does the reduced photo give the same faces?

    python -m bench.large_photos ../shared/photos-dev [--limit 300] [--factor 8]

Each photo is enlarged `factor` times and saved as a JPEG (quality 90), then opened as an upload is, reduced,
and analysed; its faces are compared with those of the original photo, boxes brought to the same pixels: the
share of photos with the same number of faces, and the median IoU of the largest face's boxes.
"""

import argparse
import io
import time
from pathlib import Path

import numpy as np

from emotion.images import open_image
from emotion.limits import ANALYSED_SIDE
from emotion.predictor import Predictor
from harness.machine import describe_machine
from train.data import labelled_photos


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    width = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    height = max(0, min(ay + ah, by + bh) - max(ay, by))
    overlap = width * height
    return overlap / (aw * ah + bw * bh - overlap) if overlap else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--factor", type=int, default=8)
    arguments = parser.parse_args()
    predictor = Predictor.load()
    photos = labelled_photos(arguments.folder)
    photos = photos[:: max(len(photos) // arguments.limit, 1)][: arguments.limit]
    same_count, overlaps, seconds, reduced = 0, [], [], 0
    for path, _ in photos:
        original = open_image(path)
        large = original.resize((original.width * arguments.factor, original.height * arguments.factor))
        buffer = io.BytesIO()
        large.save(buffer, "JPEG", quality=90)
        started = time.perf_counter()
        opened = open_image(buffer.getvalue())
        faces_large = predictor.predict(opened)
        seconds.append(time.perf_counter() - started)
        reduced += max(opened.size) < max(large.size)
        faces = predictor.predict(original)
        same_count += len(faces) == len(faces_large)
        if faces and faces_large:
            box = tuple(value * arguments.factor for value in faces[0].box)
            overlaps.append(iou(box, faces_large[0].box))
    enlarged = np.median([max(open_image(path).size) for path, _ in photos]) * arguments.factor
    print(
        f"{len(photos)} photos enlarged {arguments.factor}x (median {enlarged:.0f} px), "
        f"{reduced} analysed reduced to {ANALYSED_SIDE} px: same number of faces on {same_count / len(photos):.1%}, "
        f"largest face's box IoU median {np.median(overlaps):.3f} (10th percentile {np.percentile(overlaps, 10):.3f}); "
        f"decode and analysis {np.median(seconds) * 1000:.0f} ms p50; {describe_machine()}"
    )


if __name__ == "__main__":
    main()
