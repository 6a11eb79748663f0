"""Which faces deserve a warning, measured on photos-dev (emotion.reliability's thresholds come from here).

    python -m bench.reliability ../shared/photos-dev [--model PATH] [--every 2]

Thresholds are chosen on the training half of the folder and reported on the held-out half.
- Head turn and top-two margin vary enough among the photos themselves: for each candidate threshold,
  the share of faces it warns and the accuracy of warned vs other faces. Rule: the largest accuracy gap
  (others minus warned) among candidates that warn between MIN_WARNED and MAX_WARNED of the faces (a
  warning on more than about one face in seven stops being read).
- Small and blurred faces are rare in the folder, so its photos are degraded on purpose: shrunk until the
  largest face's shorter side is N pixels, or blurred by a Gaussian of k pixels at the model's 48-px scale.
  Rule: warn below the smallest size that keeps accuracy within ACCEPTABLE_DROP of the photos as they
  are, and from the mildest blur that does not (the blur threshold is that level's median sharpness).
"""

import argparse
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from emotion.images import open_image, to_rgb_array
from emotion.labels import CLASSES
from emotion.predictor import Predictor
from emotion.preprocess import to_gray
from emotion.reliability import FRONTAL_EYES, Thresholds, sharpness, signals_of
from train.data import is_held_out_photo, labelled_photos

MIN_WARNED = 0.03
MAX_WARNED = 0.15
ACCEPTABLE_DROP = 0.05
TURNS = [0.1, 0.15, 0.2, 0.25, 0.3, 0.4]
MARGINS = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
FACE_SIDES = [96, 64, 48, 40, 32, 24]
BLURS = [0.5, 1.0, 1.5, 2.0, 3.0]  # Gaussian sigma in pixels of the 48-px face


@dataclass
class Photo:
    rgb: np.ndarray
    label: int
    held_out: bool
    face_px: int  # the largest face's shorter side, as detected in the photo as it is


def accuracy_of(predictor: Predictor, photos: list[Photo]) -> tuple[float, list[float]]:
    """Accuracy over all given photos (no face found counts as wrong), and the largest faces' sharpness."""
    correct, sharpness_values = [], []
    for photo in photos:
        faces = predictor.predict(photo.rgb)
        correct.append(bool(faces) and faces[0].label == CLASSES[photo.label])
        if faces:
            sharpness_values.append(sharpness(to_gray(photo.rgb), faces[0].box))
    return float(np.mean(correct)), sharpness_values


def shrunk(photo: Photo, side: int) -> Photo:
    scale = min(1.0, side / photo.face_px)
    height, width = photo.rgb.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return Photo(np.asarray(Image.fromarray(photo.rgb).resize(size, Image.BILINEAR)), photo.label, photo.held_out, side)


def blurred(photo: Photo, sigma_at_48: float) -> Photo:
    sigma = sigma_at_48 * photo.face_px / 48
    return Photo(cv2.GaussianBlur(photo.rgb, (0, 0), sigma), photo.label, photo.held_out, photo.face_px)


def threshold_table(
    name: str, values: np.ndarray, correct: np.ndarray, held_out: np.ndarray, candidates: list[float], low_is_bad: bool
) -> float | None:
    print(
        f"\n{name}: warn when {'below' if low_is_bad else 'above'} the threshold "
        f"(5/25/50/75/95th percentiles {np.percentile(values, [5, 25, 50, 75, 95]).round(3).tolist()})"
    )
    print(
        "| threshold | training half: warned | accuracy warned / others | held-out half: warned "
        "| accuracy warned / others |"
    )
    print("|---|---|---|---|---|")
    best, best_gap, lines = None, -1.0, []
    for threshold in candidates:
        warned = values < threshold if low_is_bad else values > threshold
        cells = []
        for half in (~held_out, held_out):
            share = warned[half].mean()
            warned_accuracy = correct[half & warned].mean() if (half & warned).any() else float("nan")
            other_accuracy = correct[half & ~warned].mean() if (half & ~warned).any() else float("nan")
            cells.append((share, warned_accuracy, other_accuracy))
        share, warned_accuracy, other_accuracy = cells[0]
        if MIN_WARNED <= share <= MAX_WARNED and other_accuracy - warned_accuracy > best_gap:
            best, best_gap = threshold, other_accuracy - warned_accuracy
        lines.append((threshold, cells))
    for threshold, cells in lines:
        mark = " (chosen)" if threshold == best else ""
        print(
            f"| {threshold}{mark} | "
            + " | ".join(f"{share:.1%} | {warned:.1%} / {other:.1%}" for share, warned, other in cells)
            + " |"
        )
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--every", type=int, default=2, help="degraded copies of every n-th photo (time)")
    arguments = parser.parse_args()

    predictor = Predictor.load(arguments.model)
    photos, turns, margins, correct, pitches, outsides, warned = [], [], [], [], [], [], []
    for path, label in labelled_photos(arguments.folder):
        rgb = to_rgb_array(open_image(path))
        faces = predictor.predict(rgb)
        if not faces:
            continue
        face = faces[0]
        outside = predictor.detector.detect(rgb)[0].outside
        signals = signals_of(rgb, face.box, face.landmarks, np.array(list(face.scores.values())), outside)
        photos.append(Photo(rgb, label, is_held_out_photo(path), signals.face_px))
        turns.append(signals.turn)
        margins.append(signals.margin)
        pitches.append(signals.pitch)
        outsides.append(signals.outside)
        warned.append([bool(other.warnings) for other in faces])
        correct.append(face.label == CLASSES[label])
    held_out, correct = np.array([p.held_out for p in photos]), np.array(correct, dtype=float)
    print(f"{len(photos)} photos with a face, accuracy {correct.mean():.1%}; shipped: {Thresholds()}")
    pitches, outsides = np.abs(np.array(pitches)), np.array(outsides)
    print(
        f"\nhead bowed or raised (eyes' height in the box, from {FRONTAL_EYES}): training half's 95/98/99th "
        f"percentiles {np.percentile(pitches[~held_out], [95, 98, 99]).round(3).tolist()}"
    )
    print(
        f"face cut off (share of the box beyond the edge): training half's 95/98/99th percentiles "
        f"{np.percentile(outsides[~held_out], [95, 98, 99]).round(3).tolist()}"
    )
    for name, half in (("training", ~held_out), ("held-out", held_out)):
        every = [flag for flags, chosen_half in zip(warned, half, strict=True) if chosen_half for flag in flags]
        print(
            f"{name} half: bowed or raised {np.mean(pitches[half] > Thresholds().most_pitch):.1%}, cut off "
            f"{np.mean(outsides[half] > Thresholds().most_outside):.1%} of the largest faces; "
            f"any warning on {np.mean(every):.1%} of all {len(every)} faces"
        )
    chosen = {
        "most_turn": threshold_table("head turn", np.array(turns), correct, held_out, TURNS, False),
        "least_margin": threshold_table("top-two margin", np.array(margins), correct, held_out, MARGINS, True),
    }

    sample = photos[:: arguments.every]
    print(f"\nDegraded copies of {len(sample)} photos (no face found counts as wrong):")
    print("| photos | training half: accuracy | held-out half: accuracy | median sharpness |")
    print("|---|---|---|---|")
    halves = [[p for p in sample if not p.held_out], [p for p in sample if p.held_out]]
    baseline = [accuracy_of(predictor, half)[0] for half in halves]
    print(f"| as they are | {baseline[0]:.1%} | {baseline[1]:.1%} | |")
    chosen["smallest_face_px"], larger = None, None
    for side in FACE_SIDES:  # largest first: warn below the last size that still held up
        accuracies = [accuracy_of(predictor, [shrunk(p, side) for p in half])[0] for half in halves]
        print(f"| largest face {side} px | {accuracies[0]:.1%} | {accuracies[1]:.1%} | |", flush=True)
        if chosen["smallest_face_px"] is None and accuracies[0] <= baseline[0] - ACCEPTABLE_DROP:
            chosen["smallest_face_px"] = larger
        larger = side
    chosen["least_sharpness"] = None
    for sigma in BLURS:
        (choose_accuracy, values), (report_accuracy, _) = [
            accuracy_of(predictor, [blurred(p, sigma) for p in half]) for half in halves
        ]
        print(
            f"| blurred, sigma {sigma} px at 48 | {choose_accuracy:.1%} | {report_accuracy:.1%} "
            f"| {np.median(values):.3f} |",
            flush=True,
        )
        if chosen["least_sharpness"] is None and choose_accuracy <= baseline[0] - ACCEPTABLE_DROP:
            chosen["least_sharpness"] = round(float(np.median(values)), 3)
    print(f"\nchosen by the rules: {chosen}")


if __name__ == "__main__":
    main()
