"""Training's side of the network (emotion.layers.FerVgg, which carries its shape in its config): BatchNorm folded
into the convolutions for serving, and unfolded again so that training can go on from a served model.
"""

import keras
import numpy as np

from emotion.layers import FerVgg


def rebuild(model: FerVgg, batch_norm: bool) -> FerVgg:
    """An untrained network of `model`'s shape, with or without BatchNorm."""
    return FerVgg.from_config(model.get_config() | {"batch_norm": batch_norm})


def fold_batch_norm(model: keras.Model) -> keras.Model:
    """The same function with every BatchNorm folded into the conv before it (inference only).

    A trained BatchNorm is an affine map per channel, so conv -> BN becomes one conv with scaled kernels
    and a bias; the serving model then skips a pass over every feature map. The weights come from
    `model`, the shape from its config. A model without BatchNorm (folded already), or one that is not a
    FerVgg, comes back as it is.
    """
    if not isinstance(model, FerVgg) or not model.shape_config["batch_norm"]:
        return model
    folded = rebuild(model, batch_norm=False)
    for name in model.conv_names:
        kernel = model.get_layer(name).get_weights()[0]
        batch_norm = model.get_layer(name.removesuffix("_conv") + "_bn")
        gamma, beta, mean, variance = batch_norm.get_weights()
        scale = gamma / np.sqrt(variance + batch_norm.epsilon)
        folded.get_layer(name).set_weights([kernel * scale, beta - mean * scale])
    for head in folded.output_names:
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
    with BatchNorm, or one that is not a FerVgg, comes back as it is.
    """
    if not isinstance(folded, FerVgg) or folded.shape_config["batch_norm"]:
        return folded
    conv_names = folded.conv_names
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
