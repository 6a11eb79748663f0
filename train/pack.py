"""One file with everything a training run needs, for a machine that has no ../shared: FER2013's images
(their JPEG bytes, as stored), the FER+ vote counts, and the faces of the photo training half, cropped.

    python -m train pack --data ../shared/fer2013 --photos ../shared/photos-dev --out build/recipe/pack.npz

`--data` and `--photos` of `python -m train fit|evaluate|ensemble` then take the pack in place of the
folders. Writing checks that the pack reads back to the same faces, labels and votes as the folders.
Only the folder layout of FER2013 is packed (fer2013.csv is one file already).
"""

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from train.data import FERPLUS_FILE, NO_VOTES, Split, folder_images, load_ferplus_votes, load_folder, load_pack
from train.photos import load_pack_photos, load_photo_faces, photo_split


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
