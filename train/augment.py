"""On-the-fly augmentation of whole batches, run inside tf.data so the model itself stays plain."""

import keras
import tensorflow as tf
from keras import layers

from emotion.layers import GaussianBlur

# FER2013's training images in this project's copy are heavily blurred (about a sigma-2.5 Gaussian at
# 48x48); its test images and users' photos are sharp. Blurring sharp faces by a random amount teaches
# the model that detail may or may not be there.
BLUR_SIGMA_MAX = 3.0


class RandomBlur(layers.Layer):
    """Per image, a random mix between the face and its sigma-3 blur: from sharp to as blurred as
    the training images. A mix of two images is not a Gaussian of intermediate sigma, but it spans
    the same range of detail at the cost of one blur per batch."""

    def __init__(self, seed: int, **kwargs):
        super().__init__(**kwargs)
        self.blur = GaussianBlur(BLUR_SIGMA_MAX)
        self.seed = seed

    def build(self, input_shape):
        self.blur.build(input_shape)

    def call(self, images, training=True):
        if not training:
            return images
        amount = tf.cast(tf.random.uniform([tf.shape(images)[0], 1, 1, 1], seed=self.seed), images.dtype)
        return images + amount * (self.blur(images) - images)


def build_augmenter(seed: int) -> keras.Sequential:
    """Flip, small rotation, zoom and shift, brightness/contrast jitter, a random amount of blur.

    Random erasing slowed learning too much for a 10-epoch run on 2 cores; a longer run may add it back.

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
            RandomBlur(seed=seed + 6),
        ],
        name="augment",
    )
