"""Layers that a shipped model may contain, registered so `keras.saving.load_model` can rebuild them."""

import math

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="emotion")
class GaussianBlur(keras.layers.Layer):
    """A fixed (not trained) Gaussian blur with mirrored borders, like OpenCV's BORDER_REFLECT.

    A model trained only on blurred faces starts with this layer, so it sees sharp faces the
    way it saw its training faces, whoever calls it.
    """

    def __init__(self, sigma: float, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.sigma = float(sigma)
        self.radius = math.ceil(3 * self.sigma)
        offsets = np.arange(-self.radius, self.radius + 1, dtype=np.float64)
        weights = np.exp(-0.5 * (offsets / self.sigma) ** 2)
        self._weights_1d = (weights / weights.sum()).astype(np.float32)

    def call(self, images):
        r = self.radius
        padded = keras.ops.pad(images, [[0, 0], [r, r], [r, r], [0, 0]], mode="symmetric")
        channels = images.shape[-1]
        rows = keras.ops.convert_to_tensor(np.tile(self._weights_1d.reshape(-1, 1, 1, 1), (1, 1, channels, 1)),
                                           dtype=images.dtype)
        columns = keras.ops.convert_to_tensor(np.tile(self._weights_1d.reshape(1, -1, 1, 1), (1, 1, channels, 1)),
                                              dtype=images.dtype)
        blurred = keras.ops.depthwise_conv(padded, rows, padding="valid")
        return keras.ops.depthwise_conv(blurred, columns, padding="valid")

    def get_config(self) -> dict:
        return super().get_config() | {"sigma": self.sigma}
