"""On-the-fly augmentation of a batch of faces in numpy and OpenCV, in the data loader's worker threads.

Why not Keras' preprocessing layers: under JAX on a GPU, RandomRotation, RandomZoom and RandomTranslation
each ran 35x slower than the whole training step (docs/training.md), while one cv2.warpAffine
per 48x48 face (rotation, zoom, shift and mirror in a single resampling) costs microseconds on any backend.
The loop over faces holds Python's lock between OpenCV calls, so a process's loader threads add little to
one thread's rate (bench.augment measures both); the GPU recipe trains each network in its own process.

The photo-like changes (off unless asked for) imitate how a face from a phone or webcam differs from a
FER2013 face: a turned head (horizontal squeeze), lighting (gamma, light from one side), and lost detail
(fewer pixels, then JPEG compression).
"""

from dataclasses import dataclass

import cv2
import numpy as np

from emotion.preprocess import INPUT_SIZE


@dataclass(frozen=True)
class Augmentation:
    """The FER literature's small geometric changes, and photometric jitter; each drawn per face."""

    flip: bool = True  # mirror half the faces
    rotation_degrees: float = 10.0  # uniform in +-this
    zoom: float = 0.15  # scale uniform in 1 +- this
    shift: float = 0.1  # fraction of the side, uniform in +-this, each axis
    brightness: float = 0.2  # fraction of 255 added, uniform in +-this
    contrast: float = 0.3  # spread about the face's mean scaled by 1 +- this
    erasing: float = 0.0  # probability of hiding one random rectangle (Zhong et al. 2020) with noise
    # Photo-like changes, each drawn per face:
    squeeze: float = 0.0  # width scaled by 1 +- this against the height (a head turned a little)
    gamma: float = 0.0  # pixel values raised to exp(+-this) (under- and over-exposure)
    side_light: float = 0.0  # a brightness ramp across the face in a random direction, +-this of 255 at the edges
    low_resolution: float = 0.0  # probability of shrinking to 20-40 px and back (a small or soft face)
    jpeg: float = 0.0  # probability of JPEG compression at quality 20-80


PHOTO_LIKE = Augmentation(squeeze=0.1, gamma=0.3, side_light=0.1, low_resolution=0.3, jpeg=0.3)


def affine_matrices(rng: np.random.Generator, count: int, augmentation: Augmentation) -> np.ndarray:
    """(count, 2, 3) maps about the face's centre, each: mirror (half of them), turn, scale, then shift."""
    centre = (INPUT_SIZE - 1) / 2
    angle = np.radians(rng.uniform(-augmentation.rotation_degrees, augmentation.rotation_degrees, count))
    scale = rng.uniform(1 - augmentation.zoom, 1 + augmentation.zoom, count)
    mirror = np.where(augmentation.flip & (rng.random(count) < 0.5), -1.0, 1.0)
    width = mirror * rng.uniform(1 - augmentation.squeeze, 1 + augmentation.squeeze, count)
    cos, sin = scale * np.cos(angle), scale * np.sin(angle)
    shift = rng.uniform(-augmentation.shift, augmentation.shift, (count, 2)) * INPUT_SIZE
    # p' = R (M (p - c)) + c + shift, with M = diag(width, 1) (mirror and squeeze) and R turning
    # counter-clockwise as cv2 does
    matrices = np.empty((count, 2, 3))
    matrices[:, 0, 0], matrices[:, 0, 1] = cos * width, sin
    matrices[:, 1, 0], matrices[:, 1, 1] = -sin * width, cos
    matrices[:, :, 2] = centre - (matrices[:, :, 0] + matrices[:, :, 1]) * centre + shift
    return matrices


def gamma_tables(rng: np.random.Generator, count: int, gamma: float) -> np.ndarray:
    """(count, 256) uint8 lookup tables, each raising 0..1 to exp(uniform +-gamma)."""
    exponents = np.exp(rng.uniform(-gamma, gamma, (count, 1)))
    return np.round(255 * (np.arange(256) / 255) ** exponents).astype(np.uint8)


def change_face(
    face: np.ndarray, matrix: np.ndarray, gamma_table: np.ndarray | None, side: int, jpeg_quality: int
) -> np.ndarray:
    """One uint8 face warped by matrix, then (where given) its gamma changed, shrunk to side x side and back,
    and JPEG-compressed at jpeg_quality (0: not)."""
    face = cv2.warpAffine(
        face, matrix, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )
    if gamma_table is not None:
        face = cv2.LUT(face, gamma_table)
    if side:
        small = cv2.resize(face, (side, side), interpolation=cv2.INTER_AREA)
        face = cv2.resize(small, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_LINEAR)
    if jpeg_quality:
        _, encoded = cv2.imencode(".jpg", face, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
        face = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
    return face


def add_side_light(faces: np.ndarray, rng: np.random.Generator, strength: float) -> None:
    """Adds to each (48, 48) float face a brightness ramp, +-strength*255 at the edges, in a random direction."""
    count = len(faces)
    direction = rng.uniform(0, 2 * np.pi, (count, 1, 1))
    amplitude = rng.uniform(-strength, strength, (count, 1, 1)) * 255
    position = np.linspace(-1, 1, INPUT_SIZE, dtype=np.float32)
    faces += (amplitude * np.cos(direction)).astype(np.float32) * position[None, None, :]
    faces += (amplitude * np.sin(direction)).astype(np.float32) * position[None, :, None]


def augment(faces: np.ndarray, rng: np.random.Generator, augmentation: Augmentation = Augmentation()) -> np.ndarray:
    """(B, 48, 48) uint8 faces -> (B, 48, 48) float32 raw pixels in 0..255, each face changed at random."""
    count = len(faces)
    matrices = affine_matrices(rng, count, augmentation)
    tables = gamma_tables(rng, count, augmentation.gamma) if augmentation.gamma else [None] * count
    sides = np.where(rng.random(count) < augmentation.low_resolution, rng.integers(20, 41, count), 0)
    qualities = np.where(rng.random(count) < augmentation.jpeg, rng.integers(20, 81, count), 0)
    out = (
        np.stack([change_face(*changes) for changes in zip(faces, matrices, tables, sides, qualities, strict=True)])
        .reshape(count, INPUT_SIZE, INPUT_SIZE)
        .astype(np.float32)
    )
    mean = out.mean(axis=(1, 2), keepdims=True)
    contrast = rng.uniform(1 - augmentation.contrast, 1 + augmentation.contrast, (count, 1, 1))
    brightness = rng.uniform(-augmentation.brightness, augmentation.brightness, (count, 1, 1)) * 255
    out -= mean  # in place: a batch's temporaries would cost more than the warps
    out *= contrast
    out += mean + brightness
    if augmentation.side_light:
        add_side_light(out, rng, augmentation.side_light)
    for index in np.flatnonzero(rng.random(count) < augmentation.erasing):
        height, width = rng.integers(INPUT_SIZE // 8, INPUT_SIZE // 2, 2)
        top, left = rng.integers(0, INPUT_SIZE - height), rng.integers(0, INPUT_SIZE - width)
        out[index, top : top + height, left : left + width] = rng.uniform(0, 255, (height, width))
    return np.clip(out, 0, 255, out=out)
