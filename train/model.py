"""The expression classifier: a VGG-style network for 48x48 grayscale faces, built from scratch.

It has one softmax head per label set it learns (see train.data): `ferplus` (FER+ vote shares, what
the app serves) and `fer2013` (FER2013's single-annotator labels, kept for FER2013-comparable scores).
"""

import keras
from keras import layers

from emotion.labels import CLASSES
from emotion.preprocess import INPUT_SIZE

LABEL_SETS = ("ferplus", "fer2013")


def conv_bn_relu(x, filters: int, name: str):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False,
                      kernel_initializer="he_normal", name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def build_model(widths: tuple[int, ...] = (32, 64, 128, 256), convs_per_stage: int = 2,
                dropout: float = 0.4, heads: tuple[str, ...] = LABEL_SETS) -> keras.Model:
    """Stride-1 stem, one max-pool per stage, global average pooling, one softmax layer per head.

    The model takes raw pixels (0..255, shape (48, 48, 1)) and scales them itself, so serving
    cannot feed it differently scaled input than training did. Its output is a dict {head: (N, 7)}.
    """
    unknown = set(heads) - set(LABEL_SETS)
    if unknown or not heads:
        raise ValueError(f"heads must be a non-empty subset of {LABEL_SETS}, not {heads}")
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 1), name="face")
    x = layers.Rescaling(1 / 127.5, offset=-1.0, name="scale_pixels")(inputs)
    for stage, filters in enumerate(widths, start=1):
        for conv in range(1, convs_per_stage + 1):
            x = conv_bn_relu(x, filters, name=f"stage{stage}_{conv}")
        x = layers.MaxPooling2D(name=f"stage{stage}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = {head: layers.Dense(len(CLASSES), activation="softmax", dtype="float32", name=head)(x)
               for head in heads}
    return keras.Model(inputs, outputs, name="fer_vgg")
