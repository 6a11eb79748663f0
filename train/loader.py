"""Loader processes: train.augment's work on a batch, done in processes of their own.

A process's loader threads share one Python lock (train.augment's loop over faces holds it between OpenCV
calls), so on a machine with many cores and several training processes threads leave cores idle. Processes do
not share it, but sending a batch through a pipe costs more than augmenting it (a 256-face float32 batch is
2.4 MB: 7.6 ms a batch through ProcessPoolExecutor on 2 cores, against 5 ms to augment it). So the faces
and the output slots live in two memory-mapped files every process maps, and only row numbers, the random
generator and a slot number travel.
"""

import multiprocessing
import queue
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from train.augment import Augmentation, augment

# Each loader process's views of the two files (set by _attach when it starts).
_faces: np.ndarray | None = None
_slots: np.ndarray | None = None


def _attach(folder: str, faces_shape: tuple[int, ...], slots_shape: tuple[int, ...]) -> None:
    global _faces, _slots
    _faces = np.memmap(Path(folder) / "faces", np.uint8, "r", shape=faces_shape)
    _slots = np.memmap(Path(folder) / "slots", np.float32, "r+", shape=slots_shape)


def _augment_into(rows: np.ndarray, rng: np.random.Generator, augmentation: Augmentation, slot: int) -> None:
    _slots[slot, : len(rows)] = augment(_faces[rows], rng, augmentation)


class LoaderProcesses:
    """`processes` spawned processes that augment rows of `faces` (N, 48, 48) uint8 into `slots` shared output
    buffers of `batch_size` faces; `augment` may be called from up to `slots` threads at once. Spawned, not
    forked: a fork would copy JAX's and TensorFlow's running threads mid-work, and spawn works on every OS.
    `close()` stops the processes and deletes the files."""

    def __init__(self, faces: np.ndarray, batch_size: int, processes: int, slots: int):
        self.folder = Path(tempfile.mkdtemp(prefix="fer-loader-"))
        shared_faces = np.memmap(self.folder / "faces", np.uint8, "w+", shape=faces.shape)
        shared_faces[:] = faces
        shared_faces.flush()
        del shared_faces
        self.slots = np.memmap(self.folder / "slots", np.float32, "w+", shape=(slots, batch_size, *faces.shape[1:]))
        self.free = queue.Queue()
        for slot in range(slots):
            self.free.put(slot)
        self.pool = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_attach,
            initargs=(str(self.folder), faces.shape, self.slots.shape),
        )

    def augment(self, rows: np.ndarray, rng: np.random.Generator, augmentation: Augmentation) -> np.ndarray:
        """What train.augment.augment(faces[rows], rng, augmentation) returns, made in a loader process."""
        slot = self.free.get()
        try:
            self.pool.submit(_augment_into, rows, rng, augmentation, slot).result()
            return np.array(self.slots[slot, : len(rows)])
        finally:
            self.free.put(slot)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)
        del self.slots  # Windows keeps a mapped file open
        shutil.rmtree(self.folder, ignore_errors=True)
