"""Where faces come from: FER2013, labelled photos, and the pack that carries both to a machine without ../shared.

FER2013 in both forms people have (the Kaggle msambare folder layout and the original fer2013.csv),
with the FER+ votes (Barsoum et al. 2016: ten annotators a face) where a `ferplus.csv` sits beside the folder.

Every face carries two label sets, loaded here and nowhere else:
- `labels`: FER2013's own label (one annotator);
- `votes`: FER+ vote shares over the seven classes (contempt, unknown and not-a-face votes dropped, the
  rest renormalised), a soft target; all zeros for a face without usable votes (FER+ left 176 faces
  unnamed, and a few got only contempt/unknown/not-a-face votes), which therefore adds nothing to a
  FER+ loss. `ferplus_labels` is the FER+ plurality used to score a model: -1 where the plurality
  is contempt, unknown or not-a-face, or tied, or the face has no votes. `ferplus_majority_labels` is
  the stricter label FER+ papers test on (majority_labels), so figures can be set beside theirs.

Labelled photos (a folder of <class>/<photo>) have two halves by file name; the largest face of each
training-half photo, cropped as the app crops it, is trained on.

A pack is one file with everything a training run needs: FER2013's images (their JPEG bytes, as stored), the
FER+ vote counts, and the faces of the photo training half, cropped.

    python -m train pack --data ../shared/fer2013 --photos ../shared/photos-dev --out build/recipe/pack.npz

`--data` and `--photos` of `python -m train fit|evaluate|ensemble` then take the pack in place of the
folders. Writing checks that the pack reads back to the same faces, labels and votes as the folders.
Only the folder layout of FER2013 is packed (fer2013.csv is one file already).
"""

import csv
import zlib
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from emotion.detector import FaceDetector
from emotion.images import open_image, to_rgb_array
from emotion.labels import CLASSES, EXPRESSIONS
from emotion.preprocess import INPUT_SIZE, prepare_face

SPLITS = ("train", "public_test", "private_test")
# fer2013.csv's emotion codes, each to its class (emotion.labels.EXPRESSIONS).
CSV_CODE_TO_CLASS = {
    expression.fer2013_code: expression.name for expression in EXPRESSIONS if expression.fer2013_code is not None
}
CSV_USAGE_TO_SPLIT = {"Training": "train", "PublicTest": "public_test", "PrivateTest": "private_test"}
FILE_PREFIX_TO_SPLIT = {"Training": "train", "PublicTest": "public_test", "PrivateTest": "private_test"}
FERPLUS_FILE = "ferplus.csv"
# ferplus.csv's vote columns: the classes', in CLASSES order, then those that are not classes here.
FERPLUS_CLASS_COLUMNS = tuple(expression.ferplus_column for expression in EXPRESSIONS)
FERPLUS_OTHER_COLUMNS = tuple(column for column in ("contempt", "unknown", "NF") if column not in FERPLUS_CLASS_COLUMNS)
NO_VOTES = np.zeros(len(CLASSES) + len(FERPLUS_OTHER_COLUMNS), np.float32)


@dataclass
class Split:
    """Faces (N, 48, 48) uint8; FER2013 labels (N,) indices into emotion.CLASSES; FER+ vote shares
    (N, 7) float32 (zeros: no votes); FER+ plurality labels (N,) (-1: not scored on FER+); FER+ majority
    labels (N,) (-1: no majority among the seven classes)."""

    faces: np.ndarray
    labels: np.ndarray
    votes: np.ndarray
    ferplus_labels: np.ndarray
    ferplus_majority_labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, rows: np.ndarray) -> "Split":
        return Split(*(getattr(self, field.name)[rows] for field in fields(Split)))


def join_splits(splits: list[Split]) -> Split:
    """One Split holding the faces of several, in order."""
    return Split(*(np.concatenate([getattr(split, field.name) for split in splits]) for field in fields(Split)))


def vote_shares_and_plurality(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """From (N, 10) vote counts (the seven classes in CLASSES order, then contempt, unknown, not-a-face):
    the seven-class shares (zeros where none of the seven got a vote) and the plurality label (-1 where
    it is one of the other three, tied, or there are no votes)."""
    counts = np.asarray(counts, np.float32).reshape(-1, len(NO_VOTES))
    seven = counts[:, : len(CLASSES)]
    totals = seven.sum(axis=1, keepdims=True)
    shares = np.divide(seven, totals, out=np.zeros_like(seven), where=totals > 0)
    top = counts.max(axis=1, keepdims=True)
    unique_top = (counts == top).sum(axis=1) == 1
    plurality = counts.argmax(axis=1)
    scored = unique_top & (plurality < len(CLASSES)) & (top[:, 0] > 0)
    return shares, np.where(scored, plurality, -1).astype(np.int64)


def majority_labels(counts: np.ndarray) -> np.ndarray:
    """The label FER+ papers test on (Barsoum et al. 2016, microsoft/FERPlus `ferplus.py`, 'majority'):
    votes of one annotator are dropped as outliers, then a class needs more than half of the remaining
    votes. From (N, 10) counts as in vote_shares_and_plurality; -1 where there is no such class or it is
    contempt, unknown or not-a-face. Stricter than the plurality: ambiguous faces drop out."""
    counts = np.asarray(counts, np.float32).reshape(-1, len(NO_VOTES))
    kept = np.where(counts > 1, counts, 0)
    top = kept.max(axis=1)
    majority = kept.argmax(axis=1)
    scored = (top > kept.sum(axis=1) / 2) & (majority < len(CLASSES))
    return np.where(scored, majority, -1).astype(np.int64)


def to_split(faces: list[np.ndarray], labels: list[int], vote_counts: list[np.ndarray]) -> Split:
    stacked = np.stack(faces) if faces else np.zeros((0, INPUT_SIZE, INPUT_SIZE), np.uint8)
    counts = np.stack(vote_counts) if vote_counts else np.zeros((0, len(NO_VOTES)), np.float32)
    shares, plurality = vote_shares_and_plurality(counts)
    return Split(
        stacked.astype(np.uint8), np.asarray(labels, dtype=np.int64), shares, plurality, majority_labels(counts)
    )


def load_ferplus_votes(path: Path) -> dict[str, np.ndarray]:
    """ferplus.csv as {file relative to the FER2013 folder: (10,) vote counts in NO_VOTES' column order};
    faces FER+ left unnamed (empty vote fields) are absent."""
    columns = [*FERPLUS_CLASS_COLUMNS, *FERPLUS_OTHER_COLUMNS]
    votes = {}
    with Path(path).open(newline="") as file:
        for row in csv.DictReader(file):
            if row[columns[0]]:
                votes[row["file"]] = np.array([float(row[column]) for column in columns], np.float32)
    return votes


def split_of_file(path: Path, folder_split: str) -> str:
    """PublicTest_/PrivateTest_ prefixes name the split; files without one follow their folder."""
    prefix = path.name.split("_", 1)[0]
    return FILE_PREFIX_TO_SPLIT.get(prefix, folder_split)


def folder_images(root: Path) -> list[str]:
    """Every image of the folder layout, as its path relative to `root` (train/<class>/x.jpg, test/<class>/x.jpg),
    in a stable order."""
    return [
        path.relative_to(root).as_posix()
        for folder in ("train", "test")
        for name in CLASSES
        for path in sorted((root / folder / name).glob("*"))
        if path.suffix.lower() in (".jpg", ".jpeg", ".png")
    ]


def splits_of_images(
    files: list[str],
    read: Callable[[str], np.ndarray],
    votes: dict[str, np.ndarray],
    prepare: Callable[[np.ndarray], np.ndarray] = prepare_face,
) -> dict[str, Split]:
    """The three splits from images named as in the folder layout (folder_images), each read by `read`
    (relative name -> RGB array) and joined with its FER+ vote counts by name (none: no votes)."""
    faces: dict[str, list[np.ndarray]] = {name: [] for name in SPLITS}
    labels: dict[str, list[int]] = {name: [] for name in SPLITS}
    vote_counts: dict[str, list[np.ndarray]] = {name: [] for name in SPLITS}
    for file in files:
        folder, name, _ = file.split("/")
        split = split_of_file(Path(file), "train" if folder == "train" else "public_test")
        faces[split].append(prepare(read(file)))
        labels[split].append(CLASSES.index(name))
        vote_counts[split].append(votes.get(file, NO_VOTES))
    return {name: to_split(faces[name], labels[name], vote_counts[name]) for name in SPLITS}


def load_folder(root: Path, prepare: Callable[[np.ndarray], np.ndarray] = prepare_face) -> dict[str, Split]:
    """`root/train/<class>/*.jpg` and `root/test/<class>/*.jpg`; test is split by file-name prefix.
    Votes come from `root/ferplus.csv` when it is there (faces without votes get none)."""
    votes = load_ferplus_votes(root / FERPLUS_FILE) if (root / FERPLUS_FILE).is_file() else {}
    return splits_of_images(folder_images(root), lambda file: to_rgb_array(open_image(root / file)), votes, prepare)


def load_csv(path: Path, prepare: Callable[[np.ndarray], np.ndarray] = prepare_face) -> dict[str, Split]:
    """The original `fer2013.csv` (columns emotion, pixels, Usage), labels mapped to emotion.CLASSES; no votes."""
    faces: dict[str, list[np.ndarray]] = {name: [] for name in SPLITS}
    labels: dict[str, list[int]] = {name: [] for name in SPLITS}
    with path.open(newline="") as file:
        for row in csv.DictReader(file):
            pixels = np.array(row["pixels"].split(), dtype=np.uint8).reshape(48, 48)
            split = CSV_USAGE_TO_SPLIT[row["Usage"]]
            faces[split].append(prepare(pixels))
            labels[split].append(CLASSES.index(CSV_CODE_TO_CLASS[int(row["emotion"])]))
    return {name: to_split(faces[name], labels[name], [NO_VOTES] * len(labels[name])) for name in SPLITS}


def load_fer2013(path: Path, prepare: Callable[[np.ndarray], np.ndarray] = prepare_face) -> dict[str, Split]:
    """Any form: a .csv file, a folder holding train/ and test/, or a pack (write_pack, .npz).

    `prepare` turns each image into a face; the default is the project's one preprocessing, which
    training and evaluation must use. Benchmarks of other models pass their own.
    """
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".npz":
        return load_pack(path, prepare)
    if path.is_file() and path.suffix.lower() == ".csv":
        return load_csv(path, prepare)
    if (path / "fer2013.csv").is_file():
        return load_csv(path / "fer2013.csv", prepare)
    if (path / "train").is_dir():
        return load_folder(path, prepare)
    raise FileNotFoundError(f"{path} is neither fer2013.csv nor a folder with train/ and test/")


def fer2013_splits(data: Path | dict[str, Split]) -> dict[str, Split]:
    """FER2013's splits: `data` itself when already loaded (a caller scoring several models reads the images
    once), else load_fer2013(data)."""
    return data if isinstance(data, dict) else load_fer2013(data)


# Packs (write_pack writes them): read here, with the same decoding as the folders.
def load_pack(path: Path, prepare=prepare_face) -> dict[str, Split]:
    """FER2013's three splits from a pack, decoded and prepared exactly as load_folder does."""
    with np.load(path) as pack:
        files = [str(file) for file in pack["files"]]
        image_bytes, ends = pack["image_bytes"], pack["image_ends"]
        votes = dict(zip(files, pack["vote_counts"], strict=True))
    starts = dict(zip(files, np.concatenate([[0], ends[:-1]]), strict=True))
    ends_of = dict(zip(files, ends, strict=True))

    def read(file: str) -> np.ndarray:
        return to_rgb_array(open_image(image_bytes[starts[file] : ends_of[file]].tobytes()))

    return splits_of_images(files, read, votes, prepare)


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
    return to_split(list(faces), list(labels), one_vote_each)


def load_photo_faces(folder: Path, detector: FaceDetector | None = None, held_out: bool = False) -> Split:
    """The largest face of each photo of one half (see is_held_out_photo: the training half unless `held_out`),
    cropped the way the app crops it.

    Photos in which the detector finds no face are left out. A pack (write_pack, .npz) holds the training half's
    faces already.
    """
    if Path(folder).suffix.lower() == ".npz":
        if held_out:
            raise ValueError(f"{folder} is a pack, which holds the training half's faces only")
        return load_pack_photos(Path(folder))
    detector = detector or FaceDetector()
    faces, labels = [], []
    for path, label in labelled_photos(folder):
        if is_held_out_photo(path) != held_out:
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


@dataclass
class PackSummary:
    path: Path
    megabytes: float
    images: int
    photo_faces: int


def write_pack(data_path: Path, photos_path: Path | None, out_path: Path) -> PackSummary:
    """Pack the FER2013 folder (and the photo training half's faces), then check the pack against them."""
    data_path = Path(data_path)
    if not (data_path / "train").is_dir():
        raise FileNotFoundError(f"{data_path} is not FER2013's folder layout (train/ and test/)")
    files = folder_images(data_path)
    contents = [(data_path / file).read_bytes() for file in files]
    votes = load_ferplus_votes(data_path / FERPLUS_FILE) if (data_path / FERPLUS_FILE).is_file() else {}
    photos = load_photo_faces(photos_path) if photos_path else photo_split([], [])
    out_path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out_path,
        files=np.array(files),
        image_bytes=np.frombuffer(b"".join(contents), np.uint8),
        image_ends=np.cumsum([len(content) for content in contents]),
        vote_counts=np.stack([votes.get(file, NO_VOTES) for file in files]),
        photo_faces=photos.faces,
        photo_labels=photos.labels,
    )
    check_pack(out_path, load_folder(data_path), photos)
    return PackSummary(out_path, out_path.stat().st_size / 2**20, len(files), len(photos))


def check_pack(path: Path, folder_splits: dict[str, Split], photos: Split) -> None:
    """Raise ValueError unless the pack reads back to exactly these splits and photo faces."""
    packed = load_pack(path) | {"photos": load_pack_photos(path)}
    for name, split in (folder_splits | {"photos": photos}).items():
        for field in fields(Split):
            if not np.array_equal(getattr(packed[name], field.name), getattr(split, field.name)):
                raise ValueError(f"{path}: {name}.{field.name} differs from the folders")
