"""Training and inference speed of candidate classifier shapes on this machine, on random faces.

    python -m bench.architectures [--steps 20] [--modes float32,float32+xla]

For each shape: training images/s (the train.fit step: augmentation in tf.data, AdamW, batch 128) in
float32, mixed bfloat16 and float32 with XLA, and batched inference faces/s (batches of 64, float32).
Run it on a quiet machine: it measures whatever the cores have left.
"""

import argparse
import time

import keras
import numpy as np
import tensorflow as tf

from train.augment import build_augmenter
from train.fit import FitConfig, losses_for
from train.model import LABEL_SETS, build_model

SHAPES = (  # (channels per stage, convolutions per stage)
    ((32, 64, 128, 256), 2),
    ((24, 48, 96, 192), 2),
    ((16, 32, 128, 256), 2),
    ((16, 32, 96, 192), 2),
    ((16, 32, 64, 128), 2),
    ((32, 64, 128, 256), 1),
)
MODES = ("float32", "mixed_bfloat16", "float32+xla")
BATCH = FitConfig.batch_size


def training_rate(widths: tuple[int, ...], convs: int, mode: str, steps: int) -> float:
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if mode == "mixed_bfloat16" else "float32")
    model = build_model(widths, convs)
    model.compile(optimizer=keras.optimizers.AdamW(1e-3), loss=losses_for(LABEL_SETS, 0.1),
                  jit_compile=mode.endswith("xla"))
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (BATCH * 8, 48, 48, 1)).astype(np.float32)
    one_hot = keras.utils.to_categorical(np.arange(len(faces)) % 7, 7)
    targets = {head: one_hot for head in LABEL_SETS}
    augmenter = build_augmenter(0)
    data = (tf.data.Dataset.from_tensor_slices((faces, targets)).batch(BATCH)
            .map(lambda x, y: (augmenter(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
            .repeat().prefetch(2))
    model.fit(data, steps_per_epoch=3, epochs=1, verbose=0)  # traces and warms up
    started = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    rate = steps * BATCH / (time.perf_counter() - started)
    keras.mixed_precision.set_global_policy("float32")
    return rate


def inference_rate(widths: tuple[int, ...], convs: int, batch: int = 64, faces: int = 2048) -> float:
    model = build_model(widths, convs)
    infer = tf.function(lambda x: model(x, training=False))
    inputs = np.random.default_rng(1).integers(0, 256, (faces, 48, 48, 1)).astype(np.float32)
    infer(tf.constant(inputs[:batch]))  # traces
    best = 0.0
    for _ in range(3):
        started = time.perf_counter()
        for start in range(0, faces, batch):
            for scores in infer(tf.constant(inputs[start:start + batch])).values():
                scores.numpy()
        best = max(best, faces / (time.perf_counter() - started))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20, help="timed training steps per shape and mode")
    parser.add_argument("--modes", type=lambda text: text.split(","), default=list(MODES),
                        help=f"a comma-separated subset of {','.join(MODES)}")
    arguments = parser.parse_args()
    print("| channels x convs per stage | parameters | MB (float32) | "
          + " | ".join(f"train img/s {mode}" for mode in arguments.modes) + " | inference faces/s |")
    print("|---" * (4 + len(arguments.modes)) + "|")
    for widths, convs in SHAPES:
        parameters = build_model(widths, convs).count_params()
        rates = [training_rate(widths, convs, mode, arguments.steps) for mode in arguments.modes]
        print(f"| {'-'.join(map(str, widths))} x {convs} | {parameters:,} | {parameters * 4 / 1e6:.1f} | "
              + " | ".join(f"{rate:.0f}" for rate in rates) + f" | {inference_rate(widths, convs):.0f} |", flush=True)


if __name__ == "__main__":
    main()
