"""Evaluation of a trained model on FER2013's test splits, through the same Predictor the app uses.

Each split is scored on both label sets (train.data): FER2013's own labels, with the model's `fer2013`
head where it has one (comparable with FER2013 papers), and the FER+ plurality over the seven classes
(faces without one left out), with the served head; also the FER+ majority label (train.data.majority_labels,
the stricter rule FER+ papers test on, so their accuracies can be set beside ours). How well the served
probabilities match the FER+ vote shares is reported too. Writes the model card (metrics and provenance),
the confusion matrices and the training curves.
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
import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from emotion.images import open_image  # noqa: E402
from emotion.labels import CLASSES  # noqa: E402
from emotion.predictor import FaceResult, Predictor, served_head_of  # noqa: E402
from train.data import Split, is_held_out_photo, join_splits, labelled_photos, load_fer2013  # noqa: E402
from train.model import fold_batch_norm  # noqa: E402

ARTEFACTS = ("model.keras", "model_card.json", "confusion_matrix.png", "confusion_matrix_ferplus.png",
             "training_curves.png")
SELECTION_SPLIT = "public_test"  # models are compared here; PrivateTest is only ever reported


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
    # "val_ferplus_accuracy" -> "ferplus_"; a one-head model's columns carry no head name ("val_accuracy" -> "")
    prefixes = sorted(key[len("val_"):-len("accuracy")] for key in rows[0]
                      if key.startswith("val_") and key.endswith("accuracy") and key != "val_mean_accuracy")
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


def mean_kl_divergence(votes: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean KL(vote shares || predicted probabilities) in nats over faces with votes: 0 when a model
    says exactly what share of annotators chose each class."""
    voted = votes.sum(axis=1) > 0
    shares, predicted = votes[voted], np.clip(probabilities[voted], 1e-7, 1)
    terms = np.where(shares > 0, shares * np.log(np.maximum(shares, 1e-12) / predicted), 0.0)
    return round(float(terms.sum(axis=1).mean()), 4)


def fer2013_head(heads: tuple[str, ...]) -> str:
    """The head FER2013's own labels are scored with: its own where the model has one, else the served one."""
    return "fer2013" if "fer2013" in heads else served_head_of(heads)


def score_split(split: Split, probabilities: dict[str, np.ndarray]) -> dict[str, Scores]:
    """FER2013 labels (with the fer2013 head where there is one) and FER+ pluralities and majorities
    (served head), from the split's probabilities per head (Predictor.classify_heads)."""
    heads = tuple(probabilities)
    served = probabilities[served_head_of(heads)].argmax(axis=1)
    on_plurality = split.ferplus_labels >= 0
    on_majority = split.ferplus_majority_labels >= 0
    return {
        "fer2013": score(split.labels, probabilities[fer2013_head(heads)].argmax(axis=1)),
        "ferplus": score(split.ferplus_labels[on_plurality], served[on_plurality]),
        "ferplus_majority": score(split.ferplus_majority_labels[on_majority], served[on_majority]),
        "fer2013_served_head": score(split.labels, served),
    }


def selection_score_of(public_test: dict[str, Scores]) -> float:
    """What models are compared by (export, train.ensemble): the mean of the PublicTest accuracies on
    FER2013 labels and on FER+ pluralities (score_split's result for PublicTest)."""
    return round((public_test["fer2013"].accuracy + public_test["ferplus"].accuracy) / 2, 4)


def summary(scores: Scores) -> dict:
    return {"accuracy": scores.accuracy, "macro_recall": scores.macro_recall, "images": scores.images}


def selection_score(card: dict) -> float | None:
    """What models are compared by: the mean PublicTest accuracy over both label sets (None in a card
    written before both were scored)."""
    return card.get("selection", {}).get("score")


def evaluate(data_path: Path, model_path: Path, out_dir: Path, photos_path: Path | None = None) -> dict:
    """Score the model on PublicTest, PrivateTest and both, on both label sets, and on the held-out half of
    a labelled photo folder if given; write model card and plots into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # Scored in the form that ships: BatchNorm folded into the convolutions (same outputs, faster).
    predictor = Predictor(fold_batch_norm(keras.saving.load_model(model_path, compile=False)))
    data = load_fer2013(data_path)
    splits = {"public_test": data["public_test"], "private_test": data["private_test"]}
    probabilities = {name: predictor.classify_heads(split.faces) for name, split in splits.items()}
    splits["whole_test"] = join_splits([splits["public_test"], splits["private_test"]])
    probabilities["whole_test"] = {head: np.concatenate([probabilities["public_test"][head],
                                                         probabilities["private_test"][head]])
                                   for head in predictor.heads}
    results = {name: score_split(split, probabilities[name]) for name, split in splits.items()}
    private = results["private_test"]
    plot_confusion(private["fer2013"], "PrivateTest, FER2013 labels (row-normalised)", out_dir / "confusion_matrix.png")
    plot_confusion(private["ferplus"], "PrivateTest, FER+ plurality (row-normalised)",
                   out_dir / "confusion_matrix_ferplus.png")
    run_dir = model_path.parent
    if (run_dir / "history.csv").is_file():
        plot_history(run_dir / "history.csv", out_dir / "training_curves.png")
    record_path = model_path.with_suffix(".json")  # written by train.adjust or train.ensemble beside their model
    record = json.loads(record_path.read_text()) if record_path.is_file() else None
    member_paths = [Path(path) for path in record["members"]] if record and "members" in record else [model_path]
    trainings = [json.loads((path.parent / "training.json").read_text()) for path in member_paths
                 if (path.parent / "training.json").is_file()]
    training = {"members": trainings} if len(member_paths) > 1 else (trainings[0] if trainings else {})
    data_description = ("FER2013 (Goodfellow et al. 2013) with the FER+ votes (Barsoum et al. 2016): trained on "
                        "Training (28,709), selected on PublicTest, reported on PrivateTest")
    if any(run.get("photos") for run in trainings):
        data_description += "; the training half of photos-dev was also trained on"
    metrics = {}
    for split, by_labels in results.items():
        for labels, scores in by_labels.items():
            metrics[f"{labels}_{split}"] = summary(scores)
    card = {
        "name": "fer-vgg",
        "version": datetime.date.today().isoformat(),
        "architecture": predictor.model.name,
        "parameters": int(predictor.model.count_params()),
        "input": "48x48 grayscale face, raw 0..255 pixels (scaling is inside the model)",
        "classes": list(CLASSES),
        "heads": {"served": predictor.served_head, "all": list(predictor.heads),
                  "fer2013 labels scored with": fer2013_head(predictor.heads),
                  "ferplus labels scored with": predictor.served_head},
        "data": data_description,
        "training": training,
        "metrics": metrics,
        "ferplus_vote_kl_private_test": mean_kl_divergence(
            splits["private_test"].votes, probabilities["private_test"][predictor.served_head]),
        "selection": {"split": SELECTION_SPLIT, "score": selection_score_of(results[SELECTION_SPLIT]),
                      "what": "mean of the FER2013-label and FER+ accuracies"},
        "per_class_private_test": {"fer2013": private["fer2013"].per_class, "ferplus": private["ferplus"].per_class},
        "confusion_private_test": {"fer2013": private["fer2013"].confusion, "ferplus": private["ferplus"].confusion},
        "evaluated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    if record is not None:
        card["ensemble" if "members" in record else "logit_adjustment"] = record
    if photos_path is not None:
        photos = run_photos(predictor, held_out_photos(photos_path))
        photo_scores = photos.scores()
        card["metrics"]["photos_held_out"] = {
            "face_found": round(float(photos.found.mean()), 4), "accuracy": photo_scores.accuracy,
            "macro_recall": photo_scores.macro_recall, "images": int(len(photos.labels))}
        card["per_class_photos_held_out"] = photo_scores.per_class
    # Saved as served: folded, no optimizer state.
    predictor.model.save(out_dir / "model.keras")
    card["model_file_bytes"] = (out_dir / "model.keras").stat().st_size
    (out_dir / "model_card.json").write_text(json.dumps(card, indent=2))
    return card


def export(evaluated_dir: Path, assets_dir: Path) -> bool:
    """Copy an evaluated model into assets/ if it beats the shipped one on PublicTest (selection_score);
    a shipped card without that score predates the protocol and is replaced."""
    new = json.loads((evaluated_dir / "model_card.json").read_text())
    shipped_card = assets_dir / "model_card.json"
    if shipped_card.is_file():
        old_score = selection_score(json.loads(shipped_card.read_text()))
        if old_score is not None and selection_score(new) <= old_score:
            return False
    assets_dir.mkdir(parents=True, exist_ok=True)
    for name in ARTEFACTS:
        if (evaluated_dir / name).is_file():
            shutil.copyfile(evaluated_dir / name, assets_dir / name)
    return True
