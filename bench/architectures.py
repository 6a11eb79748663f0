"""Training and inference speed of candidate classifier shapes on this machine, on random faces.

    python -m bench.architectures [--steps 20] [--modes float32,float32+xla]

For each shape: training images/s (the train.fit step: train.batches.FaceBatches augmenting in loader threads,
AdamW, batch 128) in float32, mixed bfloat16 and float32 with XLA, and batched inference faces/s (batches of
64, float32, through emotion.Classifier). Any Keras backend (KERAS_BACKEND).
Run it on a quiet machine: it measures whatever the cores have left.
"""

import argparse
import time

import keras
import numpy as np

from emotion.classifier import Classifier
from emotion.label_sets import LABEL_SETS
from emotion.layers import FerVgg
from train.augment import Augmentation
from train.batches import FaceBatches
from train.config import FitConfig
from train.fit import losses_for

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
    keras.config.set_dtype_policy("mixed_bfloat16" if mode == "mixed_bfloat16" else "float32")
    model = FerVgg(widths, convs)
    keras.config.set_dtype_policy("float32")
    heads = tuple(LABEL_SETS)
    model.compile(optimizer=keras.optimizers.AdamW(1e-3), loss=losses_for(heads, 0.1), jit_compile=mode.endswith("xla"))
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (BATCH * (steps + 3), 48, 48)).astype(np.uint8)
    one_hot = np.eye(7, dtype=np.float32)[np.arange(len(faces)) % 7]
    batches = FaceBatches(
        faces, {head: one_hot for head in heads}, BATCH, Augmentation(), seed=0, threads=FitConfig.loader_threads
    )
    model.fit(batches, steps_per_epoch=3, epochs=1, verbose=0)  # traces and warms up
    started = time.perf_counter()
    model.fit(batches, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * BATCH / (time.perf_counter() - started)


def inference_rate(widths: tuple[int, ...], convs: int, batch: int = 64, faces: int = 2048) -> float:
    classifier = Classifier(FerVgg(widths, convs))
    inputs = np.random.default_rng(1).integers(0, 256, (faces, 48, 48)).astype(np.uint8)
    best = 0.0
    for _ in range(3):
        started = time.perf_counter()
        for start in range(0, faces, batch):
            classifier.classify_heads(inputs[start : start + batch])
        best = max(best, faces / (time.perf_counter() - started))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20, help="timed training steps per shape and mode")
    parser.add_argument(
        "--modes",
        type=lambda text: text.split(","),
        default=list(MODES),
        help=f"a comma-separated subset of {','.join(MODES)}",
    )
    arguments = parser.parse_args()
    print(
        "| channels x convs per stage | parameters | MB (float32) | "
        + " | ".join(f"train img/s {mode}" for mode in arguments.modes)
        + " | inference faces/s |"
    )
    print("|---" * (4 + len(arguments.modes)) + "|")
    for widths, convs in SHAPES:
        parameters = FerVgg(widths, convs).count_params()
        rates = [training_rate(widths, convs, mode, arguments.steps) for mode in arguments.modes]
        print(
            f"| {'-'.join(map(str, widths))} x {convs} | {parameters:,} | {parameters * 4 / 1e6:.1f} | "
            + " | ".join(f"{rate:.0f}" for rate in rates)
            + f" | {inference_rate(widths, convs):.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
