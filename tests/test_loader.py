"""Loader processes (train.loader) make exactly the batches the loader threads would."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from train.augment import PHOTO_LIKE, Augmentation, augment
from train.batches import FaceBatches
from train.loader import LoaderProcesses


@pytest.mark.slow
def test_loader_processes_make_the_batches_the_threads_would():
    faces = np.random.default_rng(0).integers(0, 256, (40, 48, 48), dtype=np.uint8)
    targets = {"ferplus": np.eye(7, dtype=np.float32)[np.arange(40) % 7]}
    loader = LoaderProcesses(faces, batch_size=8, processes=2, slots=2)
    try:
        for augmentation in (Augmentation(erasing=0.5), PHOTO_LIKE):
            threads = FaceBatches(faces, targets, 8, augmentation, seed=3, threads=2)
            processes = FaceBatches(faces, targets, 8, augmentation, seed=3, threads=2, loader=loader)
            for index in (0, 4):
                (expected, expected_targets), (made, made_targets) = threads[index], processes[index]
                assert made.shape == (8, 48, 48, 1) and made.dtype == np.float32
                np.testing.assert_array_equal(made, expected)
                np.testing.assert_array_equal(made_targets["ferplus"], expected_targets["ferplus"])

        def shorter_batch(seed: int) -> np.ndarray:  # fewer rows than a slot holds, from two threads at once
            return loader.augment(np.arange(seed, seed + 5), np.random.default_rng(seed), Augmentation())

        with ThreadPoolExecutor(2) as waiting:
            made = list(waiting.map(shorter_batch, range(4)))
        for seed, batch in enumerate(made):
            np.testing.assert_array_equal(
                batch, augment(faces[seed : seed + 5], np.random.default_rng(seed), Augmentation())
            )
        folder = loader.folder
        assert folder.is_dir()
    finally:
        loader.close()
    assert not folder.exists()  # the shared files are gone with the processes
