"""Augmentation speed on this backend: train.augment (numpy and OpenCV in the loader's threads) beside the same
changes made by Keras' preprocessing layers, on batches of 48x48 faces.

    python -m bench.augment [--batches 20] [--processes 2] # the backend KERAS_BACKEND names (TensorFlow default)
    KERAS_BACKEND=jax python -m bench.augment

Keras' layers run as they would inside a model or a compiled data step: called on one batch at a time, after
a warm-up call. On a GPU under JAX they took 35x the training step (docs/training.md).
"""

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

import keras
import numpy as np
from keras import layers

from harness.machine import describe_machine
from train.augment import PHOTO_LIKE, Augmentation, augment
from train.loader import LoaderProcesses

BATCH = 256


def keras_augmenter(augmentation: Augmentation, seed: int = 0) -> keras.Sequential:
    """train.augment's changes as Keras layers (the pipeline train.fit used before it ran on any backend)."""
    return keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=seed),
            layers.RandomRotation(augmentation.rotation_degrees / 360, fill_mode="reflect", seed=seed + 1),
            layers.RandomZoom((-augmentation.zoom, augmentation.zoom), fill_mode="reflect", seed=seed + 2),
            layers.RandomTranslation(augmentation.shift, augmentation.shift, fill_mode="reflect", seed=seed + 3),
            layers.RandomBrightness(augmentation.brightness, value_range=(0, 255), seed=seed + 4),
            layers.RandomContrast(augmentation.contrast, value_range=(0, 255), seed=seed + 5),
        ]
    )


def faces_per_second(step, batches: int) -> float:
    step()  # warm-up (tracing, compiling)
    started = time.perf_counter()
    for _ in range(batches):
        step()
    return batches * BATCH / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--processes", type=int, default=2, help="loader processes (train.fit --loader-processes)")
    arguments = parser.parse_args()
    if arguments.processes < 1:
        parser.error("--processes must be at least 1")
    faces = np.random.default_rng(0).integers(0, 256, (BATCH, 48, 48)).astype(np.uint8)
    augmentation, rng = Augmentation(), np.random.default_rng(1)
    augmenter = keras_augmenter(augmentation)
    inputs = faces[..., None].astype(np.float32)
    threads = 2
    pool = ThreadPoolExecutor(threads)  # as PyDataset's workers: started once

    def threaded() -> None:
        list(pool.map(lambda seed: augment(faces, np.random.default_rng(seed), augmentation), range(threads)))

    loader = LoaderProcesses(faces, BATCH, arguments.processes, arguments.processes)
    waiting = ThreadPoolExecutor(arguments.processes)  # as FaceBatches with a loader: a thread waits on each process

    def in_processes(changes: Augmentation) -> None:
        rows = np.arange(BATCH)
        list(
            waiting.map(
                lambda seed: loader.augment(rows, np.random.default_rng(seed), changes), range(arguments.processes)
            )
        )

    in_processes(augmentation)  # the processes start and import

    rows = {
        "train.augment, one thread": faces_per_second(lambda: augment(faces, rng, augmentation), arguments.batches),
        "train.augment with the photo-like changes (PHOTO_LIKE), one thread": faces_per_second(
            lambda: augment(faces, rng, PHOTO_LIKE), arguments.batches
        ),
        f"train.augment, {threads} threads": faces_per_second(threaded, arguments.batches // threads) * threads,
        f"train.augment, {arguments.processes} loader processes": faces_per_second(
            lambda: in_processes(augmentation), arguments.batches // arguments.processes
        )
        * arguments.processes,
        f"train.augment with PHOTO_LIKE, {arguments.processes} loader processes": faces_per_second(
            lambda: in_processes(PHOTO_LIKE), arguments.batches // arguments.processes
        )
        * arguments.processes,
        "Keras layers": faces_per_second(
            lambda: keras.ops.convert_to_numpy(augmenter(inputs, training=True)), arguments.batches
        ),
    }
    pool.shutdown()
    waiting.shutdown()
    loader.close()
    print(f"Keras {keras.__version__} on {keras.backend.backend()}, batches of {BATCH}, {describe_machine()}\n")
    print("| augmentation | faces/s |\n|---|---|")
    for name, rate in rows.items():
        print(f"| {name} | {rate:,.0f} |")


if __name__ == "__main__":
    main()
