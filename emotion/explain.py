"""What the model looked at: occlusion sensitivity (Zeiler & Fergus 2014) on the 48x48 face.

Each square patch of the face is hidden in turn (filled with the face's mean grey) and the drop in the
predicted class's probability is spread over the hidden pixels. Chosen over Grad-CAM because it asks the
model itself what changes its answer (no gradients, works for any model, ensembles included), at full
48x48 resolution rather than a last convolution's 6x6, for about 100 extra faces per explanation
(a few tens of milliseconds batched).
"""

from collections.abc import Callable

import numpy as np

PATCH = 12  # a quarter of the face: an eye, the mouth, a brow
STRIDE = 4


def occlusion_map(
    classify: Callable[[np.ndarray], np.ndarray],
    face: np.ndarray,
    class_index: int,
    patch: int = PATCH,
    stride: int = STRIDE,
) -> np.ndarray:
    """(H, W) float32 in [0, 1] for a (H, W) uint8 face: how much hiding each pixel's surroundings lowers
    the probability of `class_index`, relative to the largest such drop (all zeros if nothing lowers it)."""
    height, width = face.shape
    tops = range(0, max(height - patch, 0) + 1, stride)
    lefts = range(0, max(width - patch, 0) + 1, stride)
    fill = np.uint8(round(float(face.mean())))
    corners = [(top, left) for top in tops for left in lefts]
    hidden = []
    for top, left in corners:
        copy = face.copy()
        copy[top : top + patch, left : left + patch] = fill
        hidden.append(copy)
    probabilities = classify(np.stack([face, *hidden]))[:, class_index]
    drops = probabilities[0] - probabilities[1:]
    total = np.zeros((height, width), np.float64)
    count = np.zeros((height, width), np.float64)
    for drop, (top, left) in zip(drops, corners, strict=True):
        total[top : top + patch, left : left + patch] += drop
        count[top : top + patch, left : left + patch] += 1
    heat = np.clip(total / np.maximum(count, 1), 0, None)
    peak = heat.max()
    return (heat / peak if peak > 0 else heat).astype(np.float32)
