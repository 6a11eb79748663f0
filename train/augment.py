"""On-the-fly augmentation of whole batches, run inside tf.data so the model itself stays plain."""

import keras
from keras import layers


def build_augmenter(seed: int) -> keras.Sequential:
    """Flip, small rotation, zoom and shift, brightness/contrast jitter.

    Works on float batches of raw pixels (B, 48, 48, 1) in 0..255.
    """
    return keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=seed),
            layers.RandomRotation(10 / 360, fill_mode="reflect", seed=seed + 1),
            layers.RandomZoom((-0.15, 0.15), fill_mode="reflect", seed=seed + 2),
            layers.RandomTranslation(0.1, 0.1, fill_mode="reflect", seed=seed + 3),
            layers.RandomBrightness(0.2, value_range=(0, 255), seed=seed + 4),
            layers.RandomContrast(0.3, value_range=(0, 255), seed=seed + 5),
        ],
        name="augment",
    )
