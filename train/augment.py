"""On-the-fly augmentation of a batch of faces in numpy and OpenCV, in the data loader's worker threads.

Why not Keras' preprocessing layers: under JAX on a GPU, RandomRotation, RandomZoom and RandomTranslation
each ran 35x slower than the whole training step (../shared/notes/gpu-lease.md), while one cv2.warpAffine
per 48x48 face (rotation, zoom, shift and mirror in a single resampling) costs microseconds on any backend
and releases the GIL, so several loader threads run it side by side (bench.augment measures it).
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


def affine_matrices(rng: np.random.Generator, count: int, augmentation: Augmentation) -> np.ndarray:
    """(count, 2, 3) maps about the face's centre, each: mirror (half of them), turn, scale, then shift."""
    centre = (INPUT_SIZE - 1) / 2
    angle = np.radians(rng.uniform(-augmentation.rotation_degrees, augmentation.rotation_degrees, count))
    scale = rng.uniform(1 - augmentation.zoom, 1 + augmentation.zoom, count)
    mirror = np.where(augmentation.flip & (rng.random(count) < 0.5), -1.0, 1.0)
    cos, sin = scale * np.cos(angle), scale * np.sin(angle)
    shift = rng.uniform(-augmentation.shift, augmentation.shift, (count, 2)) * INPUT_SIZE
    # p' = R (M (p - c)) + c + shift, with M = diag(mirror, 1) and R turning counter-clockwise as cv2 does
    matrices = np.empty((count, 2, 3))
    matrices[:, 0, 0], matrices[:, 0, 1] = cos * mirror, sin
    matrices[:, 1, 0], matrices[:, 1, 1] = -sin * mirror, cos
    matrices[:, :, 2] = centre - (matrices[:, :, 0] + matrices[:, :, 1]) * centre + shift
    return matrices


def augment(faces: np.ndarray, rng: np.random.Generator, augmentation: Augmentation = Augmentation()) -> np.ndarray:
    """(B, 48, 48) uint8 faces -> (B, 48, 48) float32 raw pixels in 0..255, each face changed at random."""
    count = len(faces)
    warped = np.stack([cv2.warpAffine(face, matrix, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR,
                                      borderMode=cv2.BORDER_REFLECT_101)
                       for face, matrix in zip(faces, affine_matrices(rng, count, augmentation), strict=True)])
    out = warped.reshape(count, INPUT_SIZE, INPUT_SIZE).astype(np.float32)
    mean = out.mean(axis=(1, 2), keepdims=True)
    contrast = rng.uniform(1 - augmentation.contrast, 1 + augmentation.contrast, (count, 1, 1))
    brightness = rng.uniform(-augmentation.brightness, augmentation.brightness, (count, 1, 1)) * 255
    out -= mean  # in place: a batch's temporaries would cost more than the warps
    out *= contrast
    out += mean + brightness
    for index in np.flatnonzero(rng.random(count) < augmentation.erasing):
        height, width = rng.integers(INPUT_SIZE // 8, INPUT_SIZE // 2, 2)
        top, left = rng.integers(0, INPUT_SIZE - height), rng.integers(0, INPUT_SIZE - width)
        out[index, top:top + height, left:left + width] = rng.uniform(0, 255, (height, width))
    return np.clip(out, 0, 255, out=out)
