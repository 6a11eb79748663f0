"""FER2013 in both forms people have: the folder layout (Kaggle msambare) and the original fer2013.csv."""

import csv
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emotion.detector import FaceDetector
from emotion.images import open_image, to_rgb_array
from emotion.labels import CLASSES
from emotion.preprocess import INPUT_SIZE, prepare_face

SPLITS = ("train", "public_test", "private_test")
# fer2013.csv codes 0..6 are angry, disgust, fear, happy, sad, surprise, neutral.
CSV_CODE_TO_CLASS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
CSV_USAGE_TO_SPLIT = {"Training": "train", "PublicTest": "public_test", "PrivateTest": "private_test"}
FILE_PREFIX_TO_SPLIT = {"Training": "train", "PublicTest": "public_test", "PrivateTest": "private_test"}


@dataclass
class Split:
    """Faces as (N, 48, 48) uint8 and labels as (N,) indices into emotion.CLASSES."""

    faces: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def _to_split(faces: list[np.ndarray], labels: list[int]) -> Split:
    stacked = np.stack(faces) if faces else np.zeros((0, INPUT_SIZE, INPUT_SIZE), np.uint8)
    return Split(stacked.astype(np.uint8), np.asarray(labels, dtype=np.int64))


def split_of_file(path: Path, folder_split: str) -> str:
    """PublicTest_/PrivateTest_ prefixes name the split; files without one follow their folder."""
    prefix = path.name.split("_", 1)[0]
    return FILE_PREFIX_TO_SPLIT.get(prefix, folder_split)


def load_folder(root: Path, prepare: Callable[[np.ndarray], np.ndarray] = prepare_face) -> dict[str, Split]:
    """`root/train/<class>/*.jpg` and `root/test/<class>/*.jpg`; test is split by file-name prefix."""
    faces: dict[str, list[np.ndarray]] = {name: [] for name in SPLITS}
    labels: dict[str, list[int]] = {name: [] for name in SPLITS}
    for folder, folder_split in (("train", "train"), ("test", "public_test")):
        for label, name in enumerate(CLASSES):
            for path in sorted((root / folder / name).glob("*")):
                if path.suffix.lower() not in (".jpg", ".jpeg", ".png"):
                    continue
                split = split_of_file(path, folder_split)
                faces[split].append(prepare(to_rgb_array(open_image(path))))
                labels[split].append(label)
    return {name: _to_split(faces[name], labels[name]) for name in SPLITS}


def load_csv(path: Path, prepare: Callable[[np.ndarray], np.ndarray] = prepare_face) -> dict[str, Split]:
    """The original `fer2013.csv` (columns emotion, pixels, Usage), labels mapped to emotion.CLASSES."""
    faces: dict[str, list[np.ndarray]] = {name: [] for name in SPLITS}
    labels: dict[str, list[int]] = {name: [] for name in SPLITS}
    with path.open(newline="") as file:
        for row in csv.DictReader(file):
            pixels = np.array(row["pixels"].split(), dtype=np.uint8).reshape(48, 48)
            split = CSV_USAGE_TO_SPLIT[row["Usage"]]
            faces[split].append(prepare(pixels))
            labels[split].append(CLASSES.index(CSV_CODE_TO_CLASS[int(row["emotion"])]))
    return {name: _to_split(faces[name], labels[name]) for name in SPLITS}


def load_fer2013(path: Path, prepare: Callable[[np.ndarray], np.ndarray] = prepare_face) -> dict[str, Split]:
    """Either form: a .csv file or a folder holding train/ and test/.

    `prepare` turns each image into a face; the default is the project's one preprocessing, which
    training and evaluation must use. Benchmarks of other models pass their own.
    """
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".csv":
        return load_csv(path, prepare)
    if (path / "fer2013.csv").is_file():
        return load_csv(path / "fer2013.csv", prepare)
    if (path / "train").is_dir():
        return load_folder(path, prepare)
    raise FileNotFoundError(f"{path} is neither fer2013.csv nor a folder with train/ and test/")


def public_test_halves(public_test: Split) -> tuple[Split, Split]:
    """PublicTest cut in two fixed random halves: one a model may train on, one to select models on.

    FER2013's test images are the only sharp ones in this project's copy (its Training images are
    blurred), so a model may learn from half of them; every model is compared on the other half.
    """
    order = np.random.default_rng(2013).permutation(len(public_test))
    fit_half, select_half = np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2:])
    return (Split(public_test.faces[fit_half], public_test.labels[fit_half]),
            Split(public_test.faces[select_half], public_test.labels[select_half]))


PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")


def is_held_out_photo(path: Path) -> bool:
    """Half of a photo folder, fixed by file name, that training never sees and benchmarks report on."""
    return zlib.crc32(path.name.encode()) % 2 == 1


def labelled_photos(folder: Path) -> list[tuple[Path, int]]:
    """(photo, class index) for every photo in `folder/<class>/`, in a stable order."""
    return [(path, label) for label, name in enumerate(CLASSES)
            for path in sorted((Path(folder) / name).glob("*")) if path.suffix.lower() in PHOTO_SUFFIXES]


def load_photo_faces(folder: Path, detector: FaceDetector | None = None) -> Split:
    """The largest face of each training-half photo (see is_held_out_photo), cropped the way the app crops it.

    Photos in which the detector finds no face are left out.
    """
    detector = detector or FaceDetector()
    faces, labels = [], []
    for path, label in labelled_photos(folder):
        if is_held_out_photo(path):
            continue
        rgb = to_rgb_array(open_image(path))
        detections = detector.detect(rgb)
        if detections:
            faces.append(prepare_face(rgb, detections[0].box))
            labels.append(label)
    return _to_split(faces, labels)
