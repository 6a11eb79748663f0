"""Training and validation batches: faces in numpy, augmented in worker threads (or loader processes)."""

import threading
import time

import keras
import numpy as np

from train.augment import Augmentation, augment
from train.loader import LoaderProcesses


class FaceBatches(keras.utils.PyDataset):
    """Batches of (faces (B, 48, 48, 1) float32 raw pixels, {head: targets}); with an augmentation, shuffled
    each epoch, augmented in worker threads and only whole batches. Each batch's random numbers depend on
    the seed, the epoch and the batch alone, so a run is the same whatever thread or loader process makes
    which batch. With `loader` (holding the same faces), the threads only wait on its processes. The time
    spent making batches adds up for LoaderLoad."""

    def __init__(
        self,
        faces: np.ndarray,
        targets: dict[str, np.ndarray],
        batch_size: int,
        augmentation: Augmentation | None,
        seed: int,
        threads: int = 1,
        loader: LoaderProcesses | None = None,
    ):
        super().__init__(workers=threads, use_multiprocessing=False)
        self.faces, self.targets, self.batch_size, self.loader = faces, targets, batch_size, loader
        self.augmentation, self.seed, self.epoch = augmentation, seed, 0
        self.order = self.order_for(0)
        self.busy_seconds, self.busy_lock = 0.0, threading.Lock()

    def order_for(self, epoch: int) -> np.ndarray:
        if self.augmentation is None:
            return np.arange(len(self.faces))
        return np.random.default_rng((self.seed, epoch)).permutation(len(self.faces))

    def __len__(self) -> int:
        if self.augmentation is None:
            return int(np.ceil(len(self.faces) / self.batch_size))
        return max(len(self.faces) // self.batch_size, 1)

    def __getitem__(self, index: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        started = time.perf_counter()
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        rng = np.random.default_rng((self.seed, self.epoch, index))
        if self.augmentation is None:
            faces = self.faces[rows].astype(np.float32)
        elif self.loader is None:
            faces = augment(self.faces[rows], rng, self.augmentation)
        else:
            faces = self.loader.augment(rows, rng, self.augmentation)
        batch = faces[..., None], {head: target[rows] for head, target in self.targets.items()}
        with self.busy_lock:
            self.busy_seconds += time.perf_counter() - started
        return batch

    def take_busy_seconds(self) -> float:
        """The seconds spent making batches (summed over the threads) since the last call."""
        with self.busy_lock:
            busy, self.busy_seconds = self.busy_seconds, 0.0
        return busy

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self.order = self.order_for(self.epoch)
