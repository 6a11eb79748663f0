"""The model card's pictures: confusion matrices and training curves."""

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from emotion.labels import CLASSES  # noqa: E402
from train.metrics import Scores  # noqa: E402


def plot_confusion(scores: Scores, title: str, path: Path) -> None:
    confusion = np.asarray(scores.confusion, dtype=np.float64)
    normalised = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    figure, axes = plt.subplots(figsize=(6.4, 5.6), dpi=100)
    axes.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    for row in range(len(CLASSES)):
        for column in range(len(CLASSES)):
            colour = "white" if normalised[row, column] > 0.5 else "black"
            axes.text(
                column,
                row,
                f"{normalised[row, column]:.2f}\n{int(confusion[row, column])}",
                ha="center",
                va="center",
                fontsize=7,
                color=colour,
            )
    axes.set_xticks(range(len(CLASSES)), CLASSES, rotation=45, ha="right")
    axes.set_yticks(range(len(CLASSES)), CLASSES)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def plot_history(history_csv: Path, path: Path) -> None:
    with history_csv.open() as file:
        rows = list(csv.DictReader(file))
    epochs = [int(row["epoch"]) + 1 for row in rows]
    # "val_ferplus_accuracy" -> "ferplus_"; a one-head model's columns have no head name ("val_accuracy" -> "")
    prefixes = sorted(
        key[len("val_") : -len("accuracy")]
        for key in rows[0]
        if key.startswith("val_") and key.endswith("accuracy") and key != "val_mean_accuracy"
    )
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(9, 3.5), dpi=100)
    for key, axes in (("loss", loss_axes), ("accuracy", accuracy_axes)):
        for prefix in prefixes:
            name = prefix.rstrip("_") or "model"
            axes.plot(epochs, [float(row[f"{prefix}{key}"]) for row in rows], label=f"{name}: training (augmented)")
            axes.plot(epochs, [float(row[f"val_{prefix}{key}"]) for row in rows], label=f"{name}: PublicTest")
        axes.set_xlabel("epoch")
        axes.set_title(key)
        axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
