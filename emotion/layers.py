"""Layers the served model may contain beyond Keras' own. Importing this module registers them, so
keras.saving.load_model can rebuild a model that uses them (emotion.predictor imports it)."""

from emotion.backend import keras


@keras.saving.register_keras_serializable(package="emotion")
class HorizontalFlip(keras.layers.Layer):
    """Mirrors a (B, H, W, C) batch left to right, always: the second view of test-time flipping
    (train.ensemble), unlike RandomFlip, which flips only in training."""

    def call(self, inputs):
        return keras.ops.flip(inputs, axis=2)
