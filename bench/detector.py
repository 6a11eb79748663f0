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
from skimage import data as skimage_data

from bench.machine import describe_machine
from emotion.detector import FaceDetector
from emotion.images import open_image, to_rgb_array
from train.data import labelled_photos

SMALL_PHOTO_SIDE = 160
# scikit-image's sample images that hold no face (the astronaut and the cameraman do; "cat" repeats "chelsea").
FACE_FREE_SAMPLES = ("binary_blobs", "brick", "cell", "checkerboard", "chelsea", "clock", "coffee", "coins",
                     "colorwheel", "grass", "gravel", "horse", "hubble_deep_field", "immunohistochemistry", "logo",
                     "microaneurysms", "moon", "page", "retina", "rocket", "shepp_logan_phantom",
                     "stereo_motorcycle", "text")


def as_rgb(image: np.ndarray) -> np.ndarray:
    """Any scikit-image sample (bool, float, gray, RGBA) as (H, W, 3) uint8."""
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    elif image.dtype != np.uint8:
        image = (255 * (image - image.min()) / max(float(np.ptp(image)), 1e-9)).astype(np.uint8)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[..., :3])


def drawings(count: int, seed: int = 0) -> list[np.ndarray]:
    """Random line drawings, circles and ellipses included (the parts a face is drawn with), on flat
    or noisy backgrounds."""
    rng = np.random.default_rng(seed)
    images = []
    for index in range(count):
        canvas = np.full((360, 480, 3), rng.integers(0, 256, 3), np.uint8)
        if index % 2:
            canvas = np.clip(canvas + rng.normal(0, 30, canvas.shape), 0, 255).astype(np.uint8)
        for _ in range(rng.integers(5, 25)):
            colour = tuple(int(c) for c in rng.integers(0, 256, 3))
            x, y = int(rng.integers(0, 480)), int(rng.integers(0, 360))
            shape = rng.integers(0, 3)
            if shape == 0:
                cv2.line(canvas, (x, y), (int(rng.integers(0, 480)), int(rng.integers(0, 360))), colour, 3)
            elif shape == 1:
                cv2.circle(canvas, (x, y), int(rng.integers(5, 80)), colour, int(rng.choice([-1, 2])))
            else:
                axes = (int(rng.integers(5, 80)), int(rng.integers(5, 80)))
                cv2.ellipse(canvas, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, colour, -1)
        images.append(canvas)
    return images


def face_free_images() -> list[np.ndarray]:
    """Images with no face: scikit-image's face-free samples, each also as its four quarter crops
    (details the detector then sees larger), and 40 random drawings."""
    images = []
    for name in FACE_FREE_SAMPLES:
        sample = getattr(skimage_data, name)()
        image = as_rgb(sample[0] if isinstance(sample, tuple) else sample)  # stereo_motorcycle: (left, right, ...)
        height, width = image.shape[:2]
        images.append(image)
        images += [image[top:top + height // 2, left:left + width // 2]
                   for top in (0, height // 2) for left in (0, width // 2)]
    return images + drawings(40)


def best_scores(detector: FaceDetector, images: list[np.ndarray]) -> np.ndarray:
    """The highest face score in each image (0 where none)."""
    return np.array([max((d.score for d in detector.detect(image)), default=0.0) for image in images])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="labelled photos, <label>/<photo>: all of them are used")
    parser.add_argument("--thresholds", type=lambda text: [float(t) for t in text.split(",")],
                        default=[0.5, 0.6, 0.7, 0.8, 0.9])
    arguments = parser.parse_args()

    photos = [to_rgb_array(open_image(path)) for path, _ in labelled_photos(arguments.folder)]
    face_free = face_free_images()
    shipped = FaceDetector()
    low = FaceDetector(min_score=min(arguments.thresholds))
    photo_scores, free_scores = best_scores(low, photos), best_scores(low, face_free)
    print(f"{len(photos)} photos in {arguments.folder}, {len(face_free)} face-free images; "
          f"shipped threshold {shipped.min_score}\n")
    print("| score threshold | face found (photos) | face-free images with a false face |")
    print("|---|---|---|")
    for threshold in arguments.thresholds:
        print(f"| {threshold:.2f} | {(photo_scores >= threshold).mean():.2%} "
              f"| {(free_scores >= threshold).sum()} of {len(face_free)} |")

    small = [photo for photo in photos if max(photo.shape[:2]) < SMALL_PHOTO_SIDE]
    shrink_only = FaceDetector(enlarge=False)
    print(f"\nphotos under {SMALL_PHOTO_SIDE} px: {len(small)}; face found enlarged to {shipped.detect_side} px: "
          f"{sum(bool(shipped.detect(p)) for p in small)}, left at their size: "
          f"{sum(bool(shrink_only.detect(p)) for p in small)}")

    milliseconds = []
    for photo in photos:
        started = time.perf_counter()
        shipped.detect(photo)
        milliseconds.append((time.perf_counter() - started) * 1000)
    print(f"\nFaceDetector.detect at the shipped settings: p50 {np.percentile(milliseconds, 50):.1f} ms, "
          f"p95 {np.percentile(milliseconds, 95):.1f} ms per photo ({cv2.getNumThreads()} OpenCV threads, "
          f"{describe_machine()})")


if __name__ == "__main__":
    main()
