"""Labelled photos (a folder of <class>/<photo>): its two halves by file name, and the largest face of each
training-half photo, cropped as the app crops it, to train on."""

import zlib
from pathlib import Path

import numpy as np

from emotion.detector import FaceDetector
from emotion.images import open_image, to_rgb_array
from emotion.labels import CLASSES
from emotion.preprocess import prepare_face
from train.data import NO_VOTES, Split, _to_split

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")


def is_held_out_photo(path: Path) -> bool:
    """Half of a photo folder, fixed by file name, that training never sees and benchmarks report on."""
    return zlib.crc32(path.name.encode()) % 2 == 1


def labelled_photos(folder: Path) -> list[tuple[Path, int]]:
    """(photo, class index) for every photo in `folder/<class>/`, in a stable order."""
    return [
        (path, label)
        for label, name in enumerate(CLASSES)
        for path in sorted((Path(folder) / name).glob("*"))
        if path.suffix.lower() in PHOTO_SUFFIXES
    ]


def photo_split(faces: list[np.ndarray] | np.ndarray, labels: list[int] | np.ndarray) -> Split:
    """Photo faces as a Split: a photo's one label stands for both label sets, as a FER2013 label and as a
    unanimous vote."""
    one_vote_each = [np.eye(len(NO_VOTES), dtype=np.float32)[label] for label in labels]
    return _to_split(list(faces), list(labels), one_vote_each)


def load_photo_faces(folder: Path, detector: FaceDetector | None = None) -> Split:
    """The largest face of each training-half photo (see is_held_out_photo), cropped the way the app crops it.

    Photos in which the detector finds no face are left out. A pack (train.pack, .npz) holds these faces
    already.
    """
    if Path(folder).suffix.lower() == ".npz":
        return load_pack_photos(Path(folder))
    detector = detector or FaceDetector()
    faces, labels = [], []
    for path, label in labelled_photos(folder):
        if is_held_out_photo(path):
            continue
        rgb = to_rgb_array(open_image(path))
        detections = detector.detect(rgb)
        if detections:
            faces.append(prepare_face(rgb, detections[0].box, detections[0].landmarks))
            labels.append(label)
    return photo_split(faces, labels)


def load_pack_photos(path: Path) -> Split:
    """The photo training half's faces stored in a pack (train.data.load_photo_faces' result)."""
    with np.load(path) as pack:
        return photo_split(pack["photo_faces"], pack["photo_labels"])
