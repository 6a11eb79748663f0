"""Evaluation of a trained model on FER2013's test splits, through the same Predictor the app uses.

Writes the model card (metrics and provenance), a confusion matrix and the training curves.
"""

import csv
import datetime
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from emotion.images import open_image  # noqa: E402
from emotion.labels import CLASSES  # noqa: E402
from emotion.predictor import FaceResult, Predictor  # noqa: E402
from train.data import Split, is_held_out_photo, labelled_photos, load_fer2013, public_test_halves  # noqa: E402

ARTEFACTS = ("model.keras", "model_card.json", "confusion_matrix.png", "training_curves.png")


@dataclass
class Scores:
    accuracy: float
    macro_recall: float
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]  # rows: true class, columns: predicted class
    images: int


def score(labels: np.ndarray, predicted: np.ndarray) -> Scores:
    confusion = np.zeros((len(CLASSES), len(CLASSES)), np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    recall = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    precision = confusion.diagonal() / np.maximum(confusion.sum(axis=0), 1)
    per_class = {name: {"precision": round(float(p), 4), "recall": round(float(r), 4), "support": int(n)}
                 for name, p, r, n in zip(CLASSES, precision, recall, confusion.sum(axis=1), strict=True)}
    present = confusion.sum(axis=1) > 0
    return Scores(round(float((labels == predicted).mean()), 4), round(float(recall[present].mean()), 4),
                  per_class, confusion.tolist(), int(len(labels)))


@dataclass
class PhotoRun:
    """The whole pipeline over labelled photos; predicted is -1 where no face was found."""

    labels: np.ndarray
    predicted: np.ndarray
    milliseconds: np.ndarray

    @property
    def found(self) -> np.ndarray:
        return self.predicted >= 0

    def scores(self) -> Scores:
        """Scores over the photos in which a face was found (the largest face's label is the answer)."""
        return score(self.labels[self.found], self.predicted[self.found])


class PhotoPipeline(Protocol):
    """Photo in, faces largest first out: the Predictor, or another package's pipeline in bench.compare."""

    def predict(self, image: Image.Image) -> list[FaceResult]: ...


def run_photos(predictor: PhotoPipeline, photos: list[tuple[Path, int]]) -> PhotoRun:
    labels, predicted, milliseconds = [], [], []
    for path, label in photos:
        started = time.perf_counter()
        faces = predictor.predict(open_image(path))
        milliseconds.append((time.perf_counter() - started) * 1000)
        labels.append(label)
        predicted.append(CLASSES.index(faces[0].label) if faces else -1)
    return PhotoRun(np.array(labels, np.int64), np.array(predicted, np.int64), np.array(milliseconds))


def held_out_photos(folder: Path) -> list[tuple[Path, int]]:
    return [(path, label) for path, label in labelled_photos(folder) if is_held_out_photo(path)]


def plot_confusion(scores: Scores, title: str, path: Path) -> None:
    confusion = np.asarray(scores.confusion, dtype=np.float64)
    normalised = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    figure, axes = plt.subplots(figsize=(6.4, 5.6), dpi=100)
    axes.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    for row in range(len(CLASSES)):
        for column in range(len(CLASSES)):
            colour = "white" if normalised[row, column] > 0.5 else "black"
            axes.text(column, row, f"{normalised[row, column]:.2f}\n{int(confusion[row, column])}",
                      ha="center", va="center", fontsize=7, color=colour)
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
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(9, 3.5), dpi=100)
    for key, axes in (("loss", loss_axes), ("accuracy", accuracy_axes)):
        axes.plot(epochs, [float(row[key]) for row in rows], label="training (augmented)")
        axes.plot(epochs, [float(row[f"val_{key}"]) for row in rows], label="PublicTest")
        axes.set_xlabel("epoch")
        axes.set_title(key)
        axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def evaluate(data_path: Path, model_path: Path, out_dir: Path, photos_path: Path | None = None) -> dict:
    """Score the model on PublicTest's select half, PublicTest, PrivateTest and both test splits, and on
    the held-out half of a labelled photo folder if given; write model card and plots into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    predictor = Predictor.load(model_path)
    data = load_fer2013(data_path)
    splits = {"public_test_select_half": public_test_halves(data["public_test"])[1],
              "public_test": data["public_test"], "private_test": data["private_test"]}
    splits["whole_test"] = Split(np.concatenate([data["public_test"].faces, data["private_test"].faces]),
                                 np.concatenate([data["public_test"].labels, data["private_test"].labels]))
    results = {}
    for name, split in splits.items():
        predicted = predictor.classify(split.faces).argmax(axis=1)
        results[name] = score(split.labels, predicted)
    plot_confusion(results["private_test"], "FER2013 PrivateTest (row-normalised)", out_dir / "confusion_matrix.png")
    run_dir = model_path.parent
    if (run_dir / "history.csv").is_file():
        plot_history(run_dir / "history.csv", out_dir / "training_curves.png")
    training = json.loads((run_dir / "training.json").read_text()) if (run_dir / "training.json").is_file() else {}
    trained_on_sharp_faces = training.get("config", {}).get("sharp_faces", False)
    data_description = "FER2013 (Goodfellow et al. 2013): trained on Training (28,709), selected on PublicTest"
    if trained_on_sharp_faces:
        data_description = (
            "FER2013 (Goodfellow et al. 2013): trained on Training (28,709, blurred in this copy), PublicTest's fit "
            "half (1,794) and the training half of photos-dev; selected on PublicTest's select half (1,795). "
            "public_test and whole_test include faces it trained on: compare models on public_test_select_half, "
            "and read private_test as the held-out figure")
    card = {
        "name": "fer-vgg",
        "version": datetime.date.today().isoformat(),
        "architecture": predictor.model.name,
        "parameters": int(predictor.model.count_params()),
        "input": "48x48 grayscale face, raw 0..255 pixels (scaling is inside the model)",
        "classes": list(CLASSES),
        "data": data_description,
        "training": training,
        "metrics": {name: {"accuracy": s.accuracy, "macro_recall": s.macro_recall, "images": s.images}
                    for name, s in results.items()},
        "per_class_private_test": results["private_test"].per_class,
        "confusion_private_test": results["private_test"].confusion,
        "evaluated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    adjustment = model_path.with_suffix(".json")  # written by train.adjust beside an adjusted model
    if adjustment.is_file():
        card["logit_adjustment"] = json.loads(adjustment.read_text())
    if photos_path is not None:
        photos = run_photos(predictor, held_out_photos(photos_path))
        photo_scores = photos.scores()
        card["metrics"]["photos_held_out"] = {
            "face_found": round(float(photos.found.mean()), 4), "accuracy": photo_scores.accuracy,
            "macro_recall": photo_scores.macro_recall, "images": int(len(photos.labels))}
        card["per_class_photos_held_out"] = photo_scores.per_class
    # Saved from the model as loaded for serving: no optimizer state, a third of the checkpoint's size.
    predictor.model.save(out_dir / "model.keras")
    card["model_file_bytes"] = (out_dir / "model.keras").stat().st_size
    (out_dir / "model_card.json").write_text(json.dumps(card, indent=2))
    return card


def export(evaluated_dir: Path, assets_dir: Path) -> bool:
    """Copy an evaluated model into assets/ if it beats the shipped one on PublicTest's select half, the
    faces no model trains on."""
    new = json.loads((evaluated_dir / "model_card.json").read_text())
    shipped_card = assets_dir / "model_card.json"
    if shipped_card.is_file():
        old = json.loads(shipped_card.read_text())
        selection = "public_test_select_half"
        if new["metrics"][selection]["accuracy"] <= old["metrics"][selection]["accuracy"]:
            return False
    assets_dir.mkdir(parents=True, exist_ok=True)
    for name in ARTEFACTS:
        if (evaluated_dir / name).is_file():
            shutil.copyfile(evaluated_dir / name, assets_dir / name)
    return True
