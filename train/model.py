"""The expression classifier: a VGG-style network for 48x48 grayscale faces, built from scratch.

It has one softmax head per label set it learns (emotion.label_sets): `ferplus` (FER+ vote shares, what
the app serves) and `fer2013` (FER2013's single-annotator labels, kept for FER2013-comparable scores).
"""

import re

import keras
import numpy as np
from keras import layers

from emotion.label_sets import LABEL_SETS
from emotion.labels import CLASSES
from emotion.preprocess import INPUT_SIZE


def conv_bn_relu(x, filters: int, name: str, batch_norm: bool = True):
    """Conv, BatchNorm, ReLU; without batch_norm, a conv with a bias and the ReLU inside (fold_batch_norm)."""
    if not batch_norm:
        return layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"{name}_conv")(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal", name=f"{name}_conv")(
        x
    )
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def build_model(
    widths: tuple[int, ...] = (32, 64, 128, 256),
    convs_per_stage: int = 2,
    dropout: float = 0.4,
    heads: tuple[str, ...] = tuple(LABEL_SETS),
    batch_norm: bool = True,
) -> keras.Model:
    """Stride-1 stem, one max-pool per stage, global average pooling, one softmax layer per head.

    The model takes raw pixels (0..255, shape (48, 48, 1)) and scales them itself, so serving
    cannot feed it differently scaled input than training did. Its output is a dict {head: (N, 7)}.
    batch_norm=False builds the serving form that fold_batch_norm fills.
    """
    unknown = set(heads) - set(LABEL_SETS)
    if unknown or not heads:
        raise ValueError(f"heads must be a non-empty subset of {tuple(LABEL_SETS)}, not {heads}")
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 1), name="face")
    x = layers.Rescaling(1 / 127.5, offset=-1.0, name="scale_pixels")(inputs)
    for stage, filters in enumerate(widths, start=1):
        for conv in range(1, convs_per_stage + 1):
            x = conv_bn_relu(x, filters, name=f"stage{stage}_{conv}", batch_norm=batch_norm)
        x = layers.MaxPooling2D(name=f"stage{stage}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = {head: layers.Dense(len(CLASSES), activation="softmax", dtype="float32", name=head)(x) for head in heads}
    return keras.Model(inputs, outputs, name="fer_vgg")


def conv_names_of(model: keras.Model) -> list[str]:
    """The names of a model's convolutions, in order, where build_model named them ([] for another model)."""
    return [layer.name for layer in model.layers if re.fullmatch(r"stage\d+_\d+_conv", layer.name)]


def has_batch_norm(model: keras.Model) -> bool:
    return any(isinstance(layer, layers.BatchNormalization) for layer in model.layers)


def widths_of(model: keras.Model) -> tuple[int, ...]:
    """A build_model network's channels per stage, read from its layer names."""
    stages = sorted({int(name.split("_")[0].removeprefix("stage")) for name in conv_names_of(model)})
    return tuple(model.get_layer(f"stage{stage}_1_conv").filters for stage in stages)


def rebuild(model: keras.Model, batch_norm: bool) -> keras.Model:
    """An untrained build_model network of `model`'s shape (widths, convolutions per stage, dropout, heads,
    read from its layer names), with or without BatchNorm."""
    widths = widths_of(model)
    heads = tuple(name for name in LABEL_SETS if name in model.output_names)
    return build_model(
        widths, len(conv_names_of(model)) // len(widths), model.get_layer("dropout").rate, heads, batch_norm=batch_norm
    )


def fold_batch_norm(model: keras.Model) -> keras.Model:
    """The same function with every BatchNorm folded into the conv before it (inference only).

    A trained BatchNorm is an affine map per channel, so conv -> BN becomes one conv with scaled kernels
    and a bias; the serving model then skips a pass over every feature map. The weights come from
    `model`; the shape (widths, convolutions per stage, heads) is read from its layer names. A model
    without BatchNorm (folded already), or one not built by build_model (its layers named otherwise),
    comes back as it is.
    """
    conv_names = conv_names_of(model)
    if not conv_names or not has_batch_norm(model):
        return model
    folded = rebuild(model, batch_norm=False)
    for name in conv_names:
        kernel = model.get_layer(name).get_weights()[0]
        batch_norm = model.get_layer(name.removesuffix("_conv") + "_bn")
        gamma, beta, mean, variance = batch_norm.get_weights()
        scale = gamma / np.sqrt(variance + batch_norm.epsilon)
        folded.get_layer(name).set_weights([kernel * scale, beta - mean * scale])
    for head in folded.output_names:  # the heads build_model knows
        folded.get_layer(head).set_weights(model.get_layer(head).get_weights())
    return folded


def unfold_batch_norm(folded: keras.Model, faces: np.ndarray) -> keras.Model:
    """The training form of a folded model (a shipped one), computing the same function: training can go on
    from it.

    A folded conv computes z + b (z: the conv without its bias). The BatchNorm put back after it is given
    the mean m and variance v of z over `faces` (raw pixels, (N, 48, 48, 1)) as its moving statistics,
    gamma = sqrt(v + epsilon) and beta = m + b: in inference it then gives z + b exactly, and in training,
    where it normalises by each batch's own statistics, nearly that, so training starts where the folded
    model stands (with gamma = 1 and beta = b instead, it would start by rescaling every channel). A model
    with BatchNorm, or one not built by build_model, comes back as it is.
    """
    conv_names = conv_names_of(folded)
    if not conv_names or has_batch_norm(folded):
        return folded
    unfolded = rebuild(folded, batch_norm=True)
    # Every conv's input, in one pass: the unfolded model will compute the same ones, so z needs no other pass.
    conv_inputs = keras.Model(folded.inputs, [folded.get_layer(name).input for name in conv_names])
    for name, inputs in zip(conv_names, conv_inputs.predict(faces, batch_size=256, verbose=0), strict=True):
        kernel, bias = folded.get_layer(name).get_weights()
        z = keras.ops.convert_to_numpy(keras.ops.conv(inputs, kernel, padding="same"))
        mean, variance = z.mean(axis=(0, 1, 2), dtype=np.float64), z.var(axis=(0, 1, 2), dtype=np.float64)
        unfolded.get_layer(name).set_weights([kernel])
        batch_norm = unfolded.get_layer(name.removesuffix("_conv") + "_bn")
        batch_norm.set_weights([np.sqrt(variance + batch_norm.epsilon), mean + bias, mean, variance])
    for head in unfolded.output_names:
        unfolded.get_layer(head).set_weights(folded.get_layer(head).get_weights())
    return unfolded
