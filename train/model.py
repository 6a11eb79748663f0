"""The expression classifier: a VGG-style network for 48x48 grayscale faces, built from scratch."""

import keras
from keras import layers

from emotion.labels import CLASSES
from emotion.layers import GaussianBlur
from emotion.preprocess import INPUT_SIZE


def conv_bn_relu(x, filters: int, name: str):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False,
                      kernel_initializer="he_normal", name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def build_model(widths: tuple[int, ...] = (32, 64, 128, 256), convs_per_stage: int = 2,
                dropout: float = 0.4, blur_sigma: float = 0.0) -> keras.Model:
    """Stride-1 stem, one max-pool per stage, global average pooling, one softmax layer.

    The model takes raw pixels (0..255, shape (48, 48, 1)) and scales them itself, so serving
    cannot feed it differently scaled input than training did. With blur_sigma > 0 the model first
    blurs every face (training and serving alike) by that much.
    """
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 1), name="face")
    x = GaussianBlur(blur_sigma, name="match_training_blur")(inputs) if blur_sigma > 0 else inputs
    x = layers.Rescaling(1 / 127.5, offset=-1.0, name="scale_pixels")(x)
    for stage, filters in enumerate(widths, start=1):
        for conv in range(1, convs_per_stage + 1):
            x = conv_bn_relu(x, filters, name=f"stage{stage}_{conv}")
        x = layers.MaxPooling2D(name=f"stage{stage}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(len(CLASSES), activation="softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="fer_vgg")
