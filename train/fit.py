"""The training loop: one block of defaults, numpy batches, Keras fit with per-epoch checkpoints, on any backend.

Batches come from a keras.utils.PyDataset whose worker threads augment in numpy and OpenCV (train.augment),
or hand the work to loader processes (--loader-processes), so the same code trains on TensorFlow on a CPU and
on JAX on a GPU; several GPUs share each batch through keras.distribution (JAX). Resuming: BackupAndRestore
keeps the weights, optimizer state and epoch in `<out>/backup`, and the learning rate is a function of the
epoch (EpochPlan), so an interrupted run continues the same curve when started again with --resume.
"""

import csv
import json
import os
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import keras
import numpy as np

from emotion.classifier import Classifier
from emotion.label_sets import LABEL_SETS
from train.augment import PHOTO_LIKE, Augmentation, augment
from train.data import Split, join_splits, load_fer2013, load_photo_faces
from train.distil import Distiller, blend, in_precision
from train.loader import LoaderProcesses
from train.model import build_model, unfold_batch_norm

BEST_MODEL = "best.keras"  # in the run's folder: the epoch PublicTest chose
BACKUP = "backup"  # in the run's folder while it trains: what --resume continues from
HISTORY = "history.csv"  # in the run's folder: one row of figures an epoch


@dataclass
class FitConfig:
    epochs: int = 10
    batch_size: int = 128
    optimizer: str = "adamw"  # or "sgd" (Nesterov), which the literature prefers for 100+ epoch runs
    # AdamW at 2e-3 made the training loss rise from about epoch 6 on sharp FER2013 with both heads; 5e-4 did not
    # (README "Measured figures"). 0.05 suits sgd.
    peak_learning_rate: float = 5e-4
    warmup_epochs: int = 1
    weight_decay: float = 1e-4
    label_smoothing: float = 0.1
    dropout: float = 0.25
    widths: tuple[int, ...] = (16, 32, 128, 256)  # wide36, the best 2-core recipe; 16-32-96-192 underfitted
    convs_per_stage: int = 2
    # One head per label set: "ferplus" learns the FER+ vote shares, "fer2013" FER2013's labels (train.model).
    heads: tuple[str, ...] = tuple(LABEL_SETS)
    # Random erasing's probability per face (train.augment); the rest of the augmentation is Augmentation's.
    erasing: float = 0.0
    # Add train.augment's photo-like changes (turned heads, lighting, lost detail: PHOTO_LIKE).
    photo_like: bool = False
    # The training half of a labelled photo folder (passed to fit) joins Training, repeated this many times.
    photo_repeats: int = 6
    # Start from the weights of this .keras model (layers matched by name; a folded one, like the shipped
    # model, is unfolded first); "" = from scratch.
    init_from: str = ""
    # Distillation: each head's target becomes (1 - teacher_weight) * its own target + teacher_weight * this
    # .keras model's probabilities for the face, e.g. an ensemble from train.ensemble; "" = none.
    teacher: str = ""
    teacher_weight: float = 0.5
    # Ask the teacher about each augmented batch inside the training step (train.distil.Distiller) instead of
    # once about the original faces. In CPU probes it won PublicTest at 20 epochs, by about a point, but not at
    # 10 (README "Ensembles, flips and distillation").
    consistent_teaching: bool = False
    # "mixed_bfloat16" on a GPU (about 2x there); "float32" on a CPU, where bfloat16 is slower.
    precision: str = "float32"
    # Fit the run into this many minutes (0: no limit): fewer epochs if they do not fit, the cosine still
    # completed (EpochPlan); the lease recipe's guard against running out of device time.
    time_limit_minutes: float = 0.0
    loader_threads: int = 4
    # Processes that augment the batches (0: the threads do; train.loader): a process's threads share one
    # Python lock, so where cores are many, processes make batches faster. Each is one more Python.
    loader_processes: int = 0
    # Keep the whole training state each epoch (BackupAndRestore), so that --resume can continue an interrupted
    # run: 90-130 ms an epoch on 2 cores for the lease's networks. The lease turns it off (--no-backup): its
    # machine does not come back.
    backup: bool = True
    seed: int = 1337


def targets_of(split: Split, heads: tuple[str, ...], teacher: dict[str, np.ndarray] | None = None,
               teacher_weight: float = 0.0) -> dict[str, np.ndarray]:
    """Each head's training target (emotion.label_sets: FER+ vote shares, zeros and so no loss for a face
    without votes; FER2013's label one-hot), blended with a teacher's probabilities for the same head where
    one is given (train.distil.blend)."""
    targets = {head: LABEL_SETS[head].target(split) for head in heads}
    if teacher is None:
        return targets
    return {head: blend(targets[head], teacher[head], teacher_weight).astype(np.float32) for head in heads}


def losses_for(heads: tuple[str, ...], label_smoothing: float) -> dict[str, keras.losses.Loss]:
    """Cross-entropy per head, smoothed where the label set says so (one-annotator labels; the vote shares
    are soft already). An all-zero target gives a zero loss (Keras does not renormalise targets)."""
    return {head: keras.losses.CategoricalCrossentropy(
        label_smoothing=label_smoothing if LABEL_SETS[head].label_smoothing else 0.0) for head in heads}


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


class FaceBatches(keras.utils.PyDataset):
    """Batches of (faces (B, 48, 48, 1) float32 raw pixels, {head: targets}); with an augmentation, shuffled
    each epoch, augmented in worker threads and only whole batches. Each batch's random numbers depend on
    the seed, the epoch and the batch alone, so a run is the same whatever thread or loader process makes
    which batch. With `loader` (holding the same faces), the threads only wait on its processes. The time
    spent making batches adds up for LoaderLoad."""

    def __init__(self, faces: np.ndarray, targets: dict[str, np.ndarray], batch_size: int,
                 augmentation: Augmentation | None, seed: int, threads: int = 1,
                 loader: LoaderProcesses | None = None):
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
        rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
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


def gpus() -> list[str]:
    """The GPUs this Keras backend sees ([] on a CPU-only machine; asking for "gpu" there raises on JAX)."""
    return [device for device in keras.distribution.list_devices() if "gpu" in device.lower()]


def spread_over_gpus() -> int:
    """Data parallelism over every GPU (keras.distribution, JAX backend); returns how many replicas share
    each batch (1 on a CPU or one GPU, or on TensorFlow, where keras.distribution does not run)."""
    gpus_here = gpus() if keras.backend.backend() == "jax" else []
    if len(gpus_here) > 1:
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=gpus_here))
        return len(gpus_here)
    return 1


def record_training(out_dir: Path, config: FitConfig, seconds: float, photos_path: Path | None) -> None:
    """Add this sitting's time to training.json, which the model card quotes."""
    path = out_dir / "training.json"
    record = json.loads(path.read_text()) if path.is_file() else {"seconds": 0, "sittings": 0}
    record = {"config": asdict(config), "seconds": round(record["seconds"] + seconds),
              "sittings": record["sittings"] + 1, "photos": str(photos_path) if photos_path else None,
              "hardware": f"{os.cpu_count()} CPU cores, {len(gpus())} GPUs",
              "backend": keras.backend.backend()}
    path.write_text(json.dumps(record, indent=2))


def copy_weights(source: keras.Model, model: keras.Model) -> int:
    """Copy weights from `source` into `model`, layer by layer where names and shapes match; returns how
    many layers were copied."""
    source_layers = {layer.name: layer for layer in source.layers}
    copied = 0
    for layer in model.layers:
        match = source_layers.get(layer.name)
        if layer.weights and match is not None and \
                [w.shape for w in match.weights] == [w.shape for w in layer.weights]:
            layer.set_weights(match.get_weights())
            copied += 1
    return copied


def start_from(path: Path, faces: np.ndarray, seed: int) -> keras.Model:
    """The model at `path` in training form: a folded one, such as the shipped model, gets its BatchNorms
    back (train.model.unfold_batch_norm), their statistics measured on 2,048 of the training faces."""
    sample = np.random.default_rng(seed).permutation(len(faces))[:2048]
    return unfold_batch_norm(keras.saving.load_model(path, compile=False), faces[sample][..., None].astype(np.float32))


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


def training_callbacks(out_dir: Path, config: FitConfig, plan: EpochPlan, model: keras.Model,
                       batches: FaceBatches, resume: bool = False) -> list[keras.callbacks.Callback]:
    """The backup (if kept), the epoch plan, the load on the batches' loader, the mean head accuracy that
    chooses `best.keras` (`model` saved; when resuming, only if it beats the interrupted run's best), and
    the history.

    All are marked async-safe: none has batch hooks that do anything, and a callback with batch hooks not so
    marked makes Keras wait for every step's results before it starts the next (no asynchronous dispatch
    under JAX, where the GPU then idles while Python prepares a step)."""
    history = out_dir / HISTORY
    best = BestModel(out_dir / BEST_MODEL, model, best_score_in(history) if resume else -np.inf)
    callbacks = [plan, LoaderLoad(batches), MeanHeadAccuracy(config.heads), best,
                 keras.callbacks.CSVLogger(history, append=True)]
    if config.backup:  # first: it restores the state before the others see the first epoch
        callbacks.insert(0, keras.callbacks.BackupAndRestore(out_dir / BACKUP))
    for callback in callbacks:
        callback.async_safe = True
    return callbacks


def fit(data_path: Path, out_dir: Path, config: FitConfig, resume: bool = False,
        photos_path: Path | None = None) -> Path:
    """Train on Training (and the training half of `photos_path` if given), validate on PublicTest each
    epoch, keep the best model; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    backup_dir = out_dir / BACKUP
    if backup_dir.exists() and not resume:
        raise FileExistsError(f"{backup_dir} holds an unfinished run: pass --resume, or pick another --out")
    if resume and not config.backup:
        raise ValueError("--resume continues from the backup that --no-backup turns off")
    keras.utils.set_random_seed(config.seed)
    (out_dir / "config.json").write_text(json.dumps(asdict(config), indent=2))

    started = time.time()
    data = load_fer2013(data_path)
    train_split, val_split = data["train"], data["public_test"]
    if len(val_split) == 0:  # a data set without PublicTest: hold out 10% of Training, never PrivateTest
        order = np.random.default_rng(config.seed).permutation(len(train_split))
        held_out = order[: len(order) // 10]
        val_split = train_split.subset(held_out)
        train_split = train_split.subset(order[len(order) // 10:])
    if photos_path is not None:
        photos = load_photo_faces(photos_path)
        print(f"photo faces: {len(photos)}, repeated {config.photo_repeats} times")
        train_split = join_splits([train_split] + [photos] * config.photo_repeats)
    print(f"data: {len(train_split)} training, {len(val_split)} validation faces ({time.time() - started:.0f} s)")

    batch_size = config.batch_size * spread_over_gpus()
    teacher = None
    if config.teacher and not config.consistent_teaching:
        teacher = Classifier(keras.saving.load_model(config.teacher, compile=False)).classify_heads(train_split.faces)
        print(f"teacher {config.teacher}: probabilities for {len(train_split)} faces ({time.time() - started:.0f} s)")
    train_targets = targets_of(train_split, config.heads, teacher, config.teacher_weight)
    augmentation = replace(PHOTO_LIKE if config.photo_like else Augmentation(), erasing=config.erasing)
    threads = max(config.loader_threads, config.loader_processes)
    loader = (LoaderProcesses(train_split.faces, batch_size, config.loader_processes, threads)
              if config.loader_processes else None)
    train_data = FaceBatches(train_split.faces, train_targets, batch_size, augmentation, config.seed, threads, loader)
    val_data = FaceBatches(val_split.faces, targets_of(val_split, config.heads), batch_size, None, config.seed)

    keras.config.set_dtype_policy(config.precision)
    try:
        model = build_model(config.widths, config.convs_per_stage, config.dropout, config.heads)
    finally:  # the policy is global: what is built after training (folded, evaluated models) stays float32
        keras.config.set_dtype_policy("float32")
    if config.init_from and not resume:
        start = start_from(Path(config.init_from), train_split.faces, config.seed)
        print(f"initialised {copy_weights(start, model)} layers from {config.init_from}")
    trained = model  # what fit() steps: the model, or a Distiller around it
    if config.teacher and config.consistent_teaching:
        trained = Distiller(model, in_precision(keras.saving.load_model(config.teacher, compile=False),
                                                config.precision), config.teacher_weight)
    plan = EpochPlan(config.peak_learning_rate, config.warmup_epochs, config.epochs, config.time_limit_minutes)
    if config.optimizer == "sgd":
        optimizer = keras.optimizers.SGD(plan.learning_rate(0), momentum=0.9, nesterov=True,
                                         weight_decay=config.weight_decay)
    else:
        optimizer = keras.optimizers.AdamW(plan.learning_rate(0), weight_decay=config.weight_decay)
    trained.compile(
        optimizer=optimizer,
        loss=losses_for(config.heads, config.label_smoothing),
        metrics={head: ["accuracy"] for head in config.heads},
    )
    best_path = out_dir / BEST_MODEL
    try:
        trained.fit(train_data, validation_data=val_data, epochs=config.epochs,
                    callbacks=training_callbacks(out_dir, config, plan, model, train_data, resume), verbose=2)
    finally:
        if loader is not None:
            loader.close()
    record_training(out_dir, config, time.time() - started, photos_path)
    return best_path
