"""The training loop, read in one sitting: data, targets, batches, model, optimizer, Keras fit, on any backend.

Batches come from a keras.utils.PyDataset whose worker threads augment in numpy and OpenCV (train.augment),
or hand the work to loader processes (--loader-processes), so the same code trains on TensorFlow on a CPU and
on JAX on a GPU; several GPUs share each batch through keras.distribution (JAX). Resuming: BackupAndRestore
keeps the weights, optimizer state and epoch in `<out>/backup`, and the learning rate is a function of the
epoch (EpochPlan), so an interrupted run continues the same curve when started again with --resume.
"""

import json
import os
import time
from dataclasses import asdict, replace
from pathlib import Path

import keras
import numpy as np

from emotion.classifier import Classifier
from emotion.label_sets import LABEL_SETS
from emotion.layers import FerVgg
from train.augment import PHOTO_LIKE, Augmentation
from train.batches import FaceBatches
from train.callbacks import EpochPlan, training_callbacks
from train.config import BACKUP, BEST_MODEL, FitConfig
from train.data import Split, join_splits, load_fer2013, load_photo_faces
from train.distil import Distiller, blend, in_precision
from train.loader import LoaderProcesses
from train.model import unfold_batch_norm


def targets_of(
    split: Split, heads: tuple[str, ...], teacher: dict[str, np.ndarray] | None = None, teacher_weight: float = 0.0
) -> dict[str, np.ndarray]:
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
    return {
        head: keras.losses.CategoricalCrossentropy(
            label_smoothing=label_smoothing if LABEL_SETS[head].label_smoothing else 0.0
        )
        for head in heads
    }


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
    record = {
        "config": asdict(config),
        "seconds": round(record["seconds"] + seconds),
        "sittings": record["sittings"] + 1,
        "photos": str(photos_path) if photos_path else None,
        "hardware": f"{os.cpu_count()} CPU cores, {len(gpus())} GPUs",
        "backend": keras.backend.backend(),
    }
    path.write_text(json.dumps(record, indent=2))


def copy_weights(source: keras.Model, model: keras.Model) -> int:
    """Copy weights from `source` into `model`, layer by layer where names and shapes match; returns how
    many layers were copied."""
    source_layers = {layer.name: layer for layer in source.layers}
    copied = 0
    for layer in model.layers:
        match = source_layers.get(layer.name)
        if layer.weights and match is not None and [w.shape for w in match.weights] == [w.shape for w in layer.weights]:
            layer.set_weights(match.get_weights())
            copied += 1
    return copied


def start_from(path: Path, faces: np.ndarray, seed: int) -> keras.Model:
    """The model at `path` in training form: a folded one, such as the shipped model, gets its BatchNorms
    back (train.model.unfold_batch_norm), their statistics measured on 2,048 of the training faces."""
    sample = np.random.default_rng(seed).permutation(len(faces))[:2048]
    return unfold_batch_norm(keras.saving.load_model(path, compile=False), faces[sample][..., None].astype(np.float32))


def fit(
    data_path: Path, out_dir: Path, config: FitConfig, resume: bool = False, photos_path: Path | None = None
) -> Path:
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
        train_split = train_split.subset(order[len(order) // 10 :])
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
    loader = (
        LoaderProcesses(train_split.faces, batch_size, config.loader_processes, threads)
        if config.loader_processes
        else None
    )
    train_data = FaceBatches(train_split.faces, train_targets, batch_size, augmentation, config.seed, threads, loader)
    val_data = FaceBatches(val_split.faces, targets_of(val_split, config.heads), batch_size, None, config.seed)

    keras.config.set_dtype_policy(config.precision)
    try:
        model = FerVgg(config.widths, config.convs_per_stage, config.dropout, config.heads)
    finally:  # the policy is global: what is built after training (folded, evaluated models) stays float32
        keras.config.set_dtype_policy("float32")
    if config.init_from and not resume:
        start = start_from(Path(config.init_from), train_split.faces, config.seed)
        print(f"initialised {copy_weights(start, model)} layers from {config.init_from}")
    trained = model  # what fit() steps: the model, or a Distiller around it
    if config.teacher and config.consistent_teaching:
        trained = Distiller(
            model,
            in_precision(keras.saving.load_model(config.teacher, compile=False), config.precision),
            config.teacher_weight,
        )
    plan = EpochPlan(config.learning_rate, config.warmup_epochs, config.epochs, config.time_limit_minutes)
    if config.optimizer == "sgd":
        optimizer = keras.optimizers.SGD(
            plan.learning_rate(0), momentum=0.9, nesterov=True, weight_decay=config.weight_decay
        )
    else:
        optimizer = keras.optimizers.AdamW(plan.learning_rate(0), weight_decay=config.weight_decay)
    trained.compile(
        optimizer=optimizer,
        loss=losses_for(config.heads, config.label_smoothing),
        metrics={head: ["accuracy"] for head in config.heads},
    )
    best_path = out_dir / BEST_MODEL
    try:
        trained.fit(
            train_data,
            validation_data=val_data,
            epochs=config.epochs,
            callbacks=training_callbacks(out_dir, config, plan, model, train_data, resume),
            verbose=2,
        )
    finally:
        if loader is not None:
            loader.close()
    record_training(out_dir, config, time.time() - started, photos_path)
    return best_path
