"""What happens around each epoch of a run: the learning-rate plan, the checkpoint PublicTest chooses, the
loader's load, the backup that --resume continues from, the history."""

import csv
import time
from pathlib import Path

import keras
import numpy as np

from train.batches import FaceBatches
from train.config import BACKUP, BEST_MODEL, HISTORY, FitConfig


class MeanHeadAccuracy(keras.callbacks.Callback):
    """Adds val_mean_accuracy, the mean of the heads' PublicTest accuracies, which chooses the checkpoint
    (an accuracy against vote shares compares with their plurality). Must come before the checkpoint
    callbacks: they read the same logs."""

    def __init__(self, heads: tuple[str, ...]):
        super().__init__()
        self.heads = heads

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:  # Keras leaves the head's name out of the metric's when there is only one head
            names = [f"val_{head}_accuracy" for head in self.heads] if len(self.heads) > 1 else ["val_accuracy"]
            logs["val_mean_accuracy"] = float(np.mean([logs[name] for name in names]))


class LoaderLoad(keras.callbacks.Callback):
    """Adds loader_load: the share of each epoch's time that the training batches' threads (each waiting on a
    loader process, if there are any) spent making batches. Near 1, the loader holds training back; well
    below, the model does (on a GPU: the GPU, or Python dispatching its steps)."""

    def __init__(self, batches: FaceBatches):
        super().__init__()
        self.batches, self.started = batches, 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.batches.take_busy_seconds()  # what was made before this epoch began is not its work
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            seconds = time.perf_counter() - self.started
            logs["loader_load"] = self.batches.take_busy_seconds() / (self.batches.workers * seconds)


class EpochPlan(keras.callbacks.Callback):
    """The learning rate, set at each epoch's start: a linear warm-up from a tenth of the peak, then a cosine
    to zero at the plan's last epoch, where training stops. The plan is `epochs`, or with a time limit the
    epochs that fit in it: re-estimated at every epoch's start from the median epoch so far (the first, which
    compiles, left out), so a slow machine still finishes its cosine (a cut-off cosine leaves the weights
    at a high learning rate) instead of stopping half-way. The plan is never longer than `epochs`; a
    deadline passed before there is an estimate stops training at the end of that epoch."""

    def __init__(self, peak_learning_rate: float, warmup_epochs: int, epochs: int, minutes: float = 0.0):
        super().__init__()
        self.peak, self.warmup_epochs, self.epochs = peak_learning_rate, warmup_epochs, epochs
        self.deadline = time.time() + minutes * 60 if minutes else None
        self.planned = epochs
        self.started: list[float] = []  # each epoch's start, this sitting

    def learning_rate(self, epoch: int) -> float:
        if epoch < self.warmup_epochs:
            return self.peak / 10 + (self.peak - self.peak / 10) * epoch / self.warmup_epochs
        decaying = max(self.planned - self.warmup_epochs, 1)
        return self.peak * 0.5 * (1 + np.cos(np.pi * min((epoch - self.warmup_epochs + 0.5) / decaying, 1.0)))

    def replan(self, epoch: int) -> None:
        durations = np.diff(self.started)[1:]
        if self.deadline is None or len(durations) == 0:
            return
        fit_in_time = int((self.deadline - self.started[-1]) / np.median(durations))
        self.planned = min(self.epochs, max(epoch + fit_in_time, epoch + 1))

    def on_epoch_begin(self, epoch, logs=None):
        self.started.append(time.time())
        self.replan(epoch)
        self.model.optimizer.learning_rate = self.learning_rate(epoch)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
            logs["planned_epochs"] = self.planned
            logs["epoch_seconds"] = time.time() - self.started[-1]  # how fast this machine trains
        if epoch + 1 >= self.planned:
            if self.planned < self.epochs:
                print(f"time limit: stopping after epoch {epoch + 1} of {self.epochs}, the cosine completed")
            self.model.stop_training = True
        elif self.deadline is not None and time.time() > self.deadline:  # before any estimate: the first epochs
            print(f"time limit passed: stopping after epoch {epoch + 1} of {self.epochs}")
            self.model.stop_training = True


def best_score_in(history: Path) -> float:
    """The best val_mean_accuracy a run's history.csv records (-inf without one): where a resumed run's
    best.keras stands."""
    if not history.is_file():
        return -np.inf
    with history.open() as rows:
        return max((float(row["val_mean_accuracy"]) for row in csv.DictReader(rows)), default=-np.inf)


class BestModel(keras.callbacks.Callback):
    """Saves `model` (the network being trained, also when a Distiller wraps it) to `path` at every epoch
    whose val_mean_accuracy beats `best`, the best so far."""

    def __init__(self, path: Path, model: keras.Model, best: float = -np.inf):
        super().__init__()
        self.path, self.saved, self.best = path, model, best

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and logs["val_mean_accuracy"] > self.best:
            self.best = logs["val_mean_accuracy"]
            self.saved.save(self.path)


def training_callbacks(
    out_dir: Path, config: FitConfig, plan: EpochPlan, model: keras.Model, batches: FaceBatches, resume: bool = False
) -> list[keras.callbacks.Callback]:
    """The backup (if kept), the epoch plan, the load on the batches' loader, the mean head accuracy that
    chooses `best.keras` (`model` saved; when resuming, only if it beats the interrupted run's best), and
    the history.

    All are marked async-safe: none has batch hooks that do anything, and a callback with batch hooks not so
    marked makes Keras wait for every step's results before it starts the next (no asynchronous dispatch
    under JAX, where the GPU then idles while Python prepares a step)."""
    history = out_dir / HISTORY
    best = BestModel(out_dir / BEST_MODEL, model, best_score_in(history) if resume else -np.inf)
    callbacks = [
        plan,
        LoaderLoad(batches),
        MeanHeadAccuracy(config.heads),
        best,
        keras.callbacks.CSVLogger(history, append=True),
    ]
    if config.backup:  # first: it restores the state before the others see the first epoch
        callbacks.insert(0, keras.callbacks.BackupAndRestore(out_dir / BACKUP))
    for callback in callbacks:
        callback.async_safe = True
    return callbacks
