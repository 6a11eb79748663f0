"""The training loop: one block of defaults, a tf.data pipeline, Keras fit with per-epoch checkpoints.

Resuming: BackupAndRestore keeps the weights, optimizer state and epoch in `<out>/backup`, and the
learning-rate schedule is a function of the optimizer's step, so an interrupted run continues the
same curve when started again with --resume.
"""

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from emotion.labels import CLASSES
from emotion.predictor import Predictor
from train.augment import build_augmenter
from train.data import Split, join_splits, load_fer2013, load_photo_faces
from train.model import LABEL_SETS, build_model


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
    widths: tuple[int, ...] = (16, 32, 128, 256)  # the shipped wide36; 16-32-96-192 (photos22) underfitted
    convs_per_stage: int = 2
    # One head per label set: "ferplus" learns the FER+ vote shares, "fer2013" FER2013's labels (train.model).
    heads: tuple[str, ...] = LABEL_SETS
    # The training half of a labelled photo folder (passed to fit) joins Training, repeated this many times.
    photo_repeats: int = 6
    # Start from the weights of this .keras model (layers matched by name); "" = from scratch.
    init_from: str = ""
    # Distillation: each head's target becomes (1 - teacher_weight) * its own target + teacher_weight * this
    # .keras model's probabilities for the (unaugmented) face, e.g. an ensemble from train.ensemble; "" = none.
    teacher: str = ""
    teacher_weight: float = 0.5
    seed: int = 1337


def targets_of(split: Split, heads: tuple[str, ...], teacher: dict[str, np.ndarray] | None = None,
               teacher_weight: float = 0.0) -> dict[str, np.ndarray]:
    """Each head's training target: FER+ vote shares (zeros, so no loss, for faces without votes) or
    FER2013's label one-hot; blended with a teacher's probabilities for the same head where one is given
    (a face without votes then learns the teacher's share alone, at teacher_weight)."""
    targets = {"ferplus": split.votes.astype(np.float32),
               "fer2013": keras.utils.to_categorical(split.labels, len(CLASSES)).astype(np.float32)}
    if teacher is None:
        return {head: targets[head] for head in heads}
    return {head: ((1 - teacher_weight) * targets[head] + teacher_weight * teacher[head]).astype(np.float32)
            for head in heads}


def losses_for(heads: tuple[str, ...], label_smoothing: float) -> dict[str, keras.losses.Loss]:
    """Cross-entropy per head. The vote shares are soft already, so only the one-annotator labels are
    smoothed; an all-zero vote target gives a zero loss (Keras does not renormalise targets)."""
    losses = {"ferplus": keras.losses.CategoricalCrossentropy(),
              "fer2013": keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)}
    return {head: losses[head] for head in heads}


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


def make_dataset(split: Split, targets: dict[str, np.ndarray], batch_size: int, augmenter: keras.Sequential | None,
                 seed: int) -> tf.data.Dataset:
    faces = split.faces[..., None].astype(np.float32)
    dataset = tf.data.Dataset.from_tensor_slices((faces, targets))
    if augmenter is not None:
        dataset = dataset.shuffle(len(split), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if augmenter is not None:
        dataset = dataset.map(lambda x, y: (augmenter(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


def record_training(out_dir: Path, config: FitConfig, seconds: float, photos_path: Path | None) -> None:
    """Add this sitting's time to training.json, which the model card quotes."""
    path = out_dir / "training.json"
    record = json.loads(path.read_text()) if path.is_file() else {"seconds": 0, "sittings": 0}
    record = {"config": asdict(config), "seconds": round(record["seconds"] + seconds),
              "sittings": record["sittings"] + 1, "photos": str(photos_path) if photos_path else None,
              "hardware": f"{os.cpu_count()} CPU cores, {len(tf.config.list_physical_devices('GPU'))} GPUs"}
    path.write_text(json.dumps(record, indent=2))


def copy_weights(source_path: Path, model: keras.Model) -> int:
    """Copy weights from the model at source_path into `model`, layer by layer where names and shapes
    match; returns how many layers were copied."""
    source = keras.saving.load_model(source_path, compile=False)
    source_layers = {layer.name: layer for layer in source.layers}
    copied = 0
    for layer in model.layers:
        match = source_layers.get(layer.name)
        if layer.weights and match is not None and \
                [w.shape for w in match.weights] == [w.shape for w in layer.weights]:
            layer.set_weights(match.get_weights())
            copied += 1
    return copied


def fit(data_path: Path, out_dir: Path, config: FitConfig, resume: bool = False,
        photos_path: Path | None = None) -> Path:
    """Train on Training (and the training half of `photos_path` if given), validate on PublicTest each
    epoch, keep the best model; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    backup_dir = out_dir / "backup"
    if backup_dir.exists() and not resume:
        raise FileExistsError(f"{backup_dir} holds an unfinished run: pass --resume, or pick another --out")
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

    # MirroredStrategy spreads batches over several GPUs; on a CPU-only machine it only adds overhead.
    gpus = tf.config.list_logical_devices("GPU")
    strategy = tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    batch_size = config.batch_size * strategy.num_replicas_in_sync
    steps_per_epoch = int(np.ceil(len(train_split) / batch_size))
    teacher = None
    if config.teacher:
        teacher = Predictor(keras.saving.load_model(config.teacher, compile=False)).classify_heads(train_split.faces)
        print(f"teacher {config.teacher}: probabilities for {len(train_split)} faces ({time.time() - started:.0f} s)")
    train_targets = targets_of(train_split, config.heads, teacher, config.teacher_weight)
    train_data = make_dataset(train_split, train_targets, batch_size, build_augmenter(config.seed), config.seed)
    val_data = make_dataset(val_split, targets_of(val_split, config.heads), batch_size, None, config.seed)

    with strategy.scope():
        model = build_model(config.widths, config.convs_per_stage, config.dropout, config.heads)
        if config.init_from and not resume:
            print(f"initialised {copy_weights(Path(config.init_from), model)} layers from {config.init_from}")
        warmup_steps = config.warmup_epochs * steps_per_epoch
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=config.peak_learning_rate / 10,
            decay_steps=max(config.epochs * steps_per_epoch - warmup_steps, 1),
            warmup_target=config.peak_learning_rate,
            warmup_steps=warmup_steps,
        )
        if config.optimizer == "sgd":
            optimizer = keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True, weight_decay=config.weight_decay)
        else:
            optimizer = keras.optimizers.AdamW(schedule, weight_decay=config.weight_decay)
        model.compile(
            optimizer=optimizer,
            loss=losses_for(config.heads, config.label_smoothing),
            metrics={head: ["accuracy"] for head in config.heads},
        )
    best_path = out_dir / "best.keras"
    callbacks = [
        keras.callbacks.BackupAndRestore(backup_dir),
        MeanHeadAccuracy(config.heads),
        keras.callbacks.ModelCheckpoint(best_path, monitor="val_mean_accuracy", mode="max", save_best_only=True),
        keras.callbacks.ModelCheckpoint(out_dir / "last.keras"),
        keras.callbacks.CSVLogger(out_dir / "history.csv", append=True),
    ]
    model.fit(train_data, validation_data=val_data, epochs=config.epochs, callbacks=callbacks, verbose=2)
    record_training(out_dir, config, time.time() - started, photos_path)
    return best_path
