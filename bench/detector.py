"""The face detector alone: faces found on labelled photos, false faces on face-free images, time per photo.

    python -m bench.detector ../shared/photos-dev [--thresholds 0.5,0.6,0.7,0.8,0.9]

Each photo is run once with a low score threshold and its best face score kept, so one pass gives the
"face found" rate at every threshold; the same for `face_free_images()` (no face in any of them), where
any face at or above a threshold is a false one. Photos under SMALL_PHOTO_SIDE pixels (usually a face
crop already) are also reported with and without enlarging them to the detector's side.
Time is the FaceDetector.detect call at the shipped settings, per photo, single-threaded caller.
"""

import argparse
import time
from pathlib import Path

import cv2
import numpy as np

from emotion.detector import FaceDetector
from emotion.images import open_image, to_rgb_array
from harness.images import face_free_images
from harness.machine import describe_machine
from train.data import labelled_photos

SMALL_PHOTO_SIDE = 160


def best_scores(detector: FaceDetector, images: list[np.ndarray]) -> np.ndarray:
    """The highest face score in each image (0 where none)."""
    return np.array([max((d.score for d in detector.detect(image)), default=0.0) for image in images])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="labelled photos, <label>/<photo>: all of them are used")
    parser.add_argument(
        "--thresholds", type=lambda text: [float(t) for t in text.split(",")], default=[0.5, 0.6, 0.7, 0.8, 0.9]
    )
    arguments = parser.parse_args()

    photos = [to_rgb_array(open_image(path)) for path, _ in labelled_photos(arguments.folder)]
    face_free = face_free_images()
    shipped = FaceDetector()
    low = FaceDetector(min_score=min(arguments.thresholds))
    photo_scores, free_scores = best_scores(low, photos), best_scores(low, face_free)
    print(
        f"{len(photos)} photos in {arguments.folder}, {len(face_free)} face-free images; "
        f"shipped threshold {shipped.min_score}\n"
    )
    print("| score threshold | face found (photos) | face-free images with a false face |")
    print("|---|---|---|")
    for threshold in arguments.thresholds:
        print(
            f"| {threshold:.2f} | {(photo_scores >= threshold).mean():.2%} "
            f"| {(free_scores >= threshold).sum()} of {len(face_free)} |"
        )

    small = [photo for photo in photos if max(photo.shape[:2]) < SMALL_PHOTO_SIDE]
    shrink_only = FaceDetector(enlarge=False)
    print(
        f"\nphotos under {SMALL_PHOTO_SIDE} px: {len(small)}; face found enlarged to {shipped.detect_side} px: "
        f"{sum(bool(shipped.detect(p)) for p in small)}, left at their size: "
        f"{sum(bool(shrink_only.detect(p)) for p in small)}"
    )

    milliseconds = []
    for photo in photos:
        started = time.perf_counter()
        shipped.detect(photo)
        milliseconds.append((time.perf_counter() - started) * 1000)
    print(
        f"\nFaceDetector.detect at the shipped settings: p50 {np.percentile(milliseconds, 50):.1f} ms, "
        f"p95 {np.percentile(milliseconds, 95):.1f} ms per photo ({cv2.getNumThreads()} OpenCV threads, "
        f"{describe_machine()})"
    )


if __name__ == "__main__":
    main()
