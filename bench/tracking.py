"""Faces followed through generated stories (harness.clips.STORIES: cuts, pans, a face that leaves and comes
back, one covered for a moment): people numbered against people shown, numbers that span two people, speed as
a multiple of real time, SFace's cost per face, and the similarities the tracker's thresholds sit between.

    python -m bench.tracking
"""

import argparse
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
from PIL import Image

from emotion.identity import similarity
from emotion.limits import SAMPLE_RATE
from emotion.predictor import Predictor
from emotion.video import analyse_clip
from harness.clips import EXAMPLES, FPS, STORIES, people_numbered, story_frames, who_is_at, write_clip
from harness.machine import cpu_flags


def similarities(predictor: Predictor, pairs, photo_boxes) -> tuple[list[float], list[float]]:
    """SFace similarities of one person's faces in consecutive samples, and of two people's faces in any samples."""
    step = round(FPS / SAMPLE_RATE)
    described = []
    for frame, placement in pairs[::step]:
        faces = predictor.predict(frame)
        for face, description in zip(faces, predictor.recognizer.describe(frame, faces), strict=True):
            described.append((who_is_at(placement, face.box, photo_boxes), description))
    same, different = [], []
    for index, (person, description) in enumerate(described):
        for other, other_description in described[index + 1 :]:
            if person is None or other is None:
                continue
            (same if person == other else different).append(similarity(description, other_description))
    return same, different


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    predictor = Predictor.load()
    predictor.recognizer.describe(np.zeros((64, 64, 3), np.uint8), [])  # loaded before anything is timed
    print(f"CPU: {cpu_flags()}")
    print("| story | seconds | numbers given | people shown | numbers spanning two people | speed (x real time) |")
    print("|---|---|---|---|---|---|")
    same, different = [], []
    with TemporaryDirectory() as folder:
        for name, shots in STORIES.items():
            pairs = list(story_frames(shots))
            photo_boxes = {
                shot.photo: [face.box for face in predictor.predict(Image.open(EXAMPLES / shot.photo).convert("RGB"))]
                for shot in shots
            }
            path = Path(folder) / f"{name}.mp4"
            write_clip(path, (frame for frame, _ in pairs))
            started = time.perf_counter()
            result = analyse_clip(predictor, path)
            speed = result.duration / (time.perf_counter() - started)
            numbers = people_numbered(
                result.to_dict()["faces"], [placement for _, placement in pairs], photo_boxes, FPS
            )
            shown = set().union(*numbers.values())
            spanning = sum(len(people) > 1 for people in numbers.values())
            print(f"| {name} | {result.duration:.0f} | {len(numbers)} | {len(shown)} | {spanning} | {speed:.1f}x |")
            story_same, story_different = similarities(predictor, pairs, photo_boxes)
            same += story_same
            different += story_different
    print(
        f"\nSFace similarity, one person's faces: min {min(same):.2f}, 1st percentile {np.percentile(same, 1):.2f}"
        f" ({len(same)} pairs)"
    )
    print(
        f"SFace similarity, two people's faces: max {max(different):.2f}, 99th percentile "
        f"{np.percentile(different, 99):.2f} ({len(different)} pairs)"
    )
    face = np.asarray(Image.open(EXAMPLES / "angry.jpg").convert("RGB"))
    [found] = predictor.predict(face)[:1]
    started = time.perf_counter()
    for _ in range(50):
        predictor.recognizer.describe(face, [found])
    print(f"SFace per face (alignment and description): {(time.perf_counter() - started) / 50 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
