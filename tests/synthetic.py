"""Data the tests make themselves: FER2013-like faces whose class is drawn into them, with FER+ votes."""

import numpy as np

from emotion.labels import CLASSES

FERPLUS_HEADER = (
    "file,ferplus_image,correlation,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF"
)


def synthetic_faces(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """48x48 images whose class is drawn into them (a bright bar at a class-specific height)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % len(CLASSES)
    faces = rng.integers(0, 60, (count, 48, 48)).astype(np.uint8)
    for face, label in zip(faces, labels, strict=True):
        face[4 + label * 6 : 8 + label * 6, 8:40] = 250
    return faces, labels


def ferplus_row(file: str, label: int, index: int) -> str:
    """Votes for a synthetic face: every fifth face has none (as FER+ left some unnamed), every seventh a
    contempt plurality, the others 7 votes for the face's FER2013 class and 3 for neutral."""
    if index % 5 == 4:
        return f"{file},,,,,,,,,,,,"
    if index % 7 == 6:
        return f"{file},fer{index}.png,0.99,2,0,0,0,0,0,0,8,0,0"
    ferplus_order = ("neutral", "happy", "surprise", "sad", "angry", "disgust", "fear")
    votes = [3 * (name == "neutral") + 7 * (name == CLASSES[label]) for name in ferplus_order]
    return f"{file},fer{index}.png,0.99," + ",".join(map(str, votes)) + ",0,0,0"
