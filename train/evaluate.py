"""Whether a model ships: its evaluation, its card, its plots, and the export that ships it.

A trained model is scored on FER2013's test splits through the same Classifier the app uses, on every label
set's labels (emotion.label_sets, train.metrics.score_split), and on the held-out half of a labelled photo
folder through the whole photo pipeline when one is given. evaluate writes the model in its served form
(BatchNorm folded), its card (what it is, what it learnt from and what it scored, as the app and README read
it) and its pictures (confusion matrices, training curves). export then replaces the shipped model in assets/
only if the evaluated one scores higher on PublicTest.
"""

import csv
import datetime
import json
import shutil
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
from matplotlib.figure import Figure  # not pyplot: no screen, and figures are only written to files

from emotion.classifier import Classifier
from emotion.contract import SERVED
from emotion.label_sets import LABEL_SETS, confusion_plot, scoring_head, served_head_of
from emotion.labels import CLASSES
from emotion.predictor import Predictor
from train.config import HISTORY
from train.data import Split, fer2013_splits, join_splits
from train.litert import SHIPPED_MIRROR, SHIPPED_QUANTISATION, export_litert
from train.metrics import SELECTION_SPLIT, Scores, held_out_photos, run_photos, score_split, selection_score_of, vote_kl
from train.model import fold_batch_norm


def evaluate(data: Path | dict[str, Split], model_path: Path, out_dir: Path, photos_path: Path | None = None) -> dict:
    """Score the model on PublicTest, PrivateTest and both, on every label set, and on the held-out half of
    a labelled photo folder if given; write the served model, its card and plots into out_dir. `data`: FER2013
    in any form train.data.load_fer2013 reads, or its splits already loaded."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # Scored in the form that ships: BatchNorm folded into the convolutions (same outputs, faster).
    classifier = Classifier(fold_batch_norm(keras.saving.load_model(model_path, compile=False)))
    data = fer2013_splits(data)
    splits = {"public_test": data["public_test"], "private_test": data["private_test"]}
    probabilities = {name: classifier.classify_heads(split.faces) for name, split in splits.items()}
    splits["whole_test"] = join_splits([splits["public_test"], splits["private_test"]])
    probabilities["whole_test"] = {
        head: np.concatenate([probabilities["public_test"][head], probabilities["private_test"][head]])
        for head in classifier.heads
    }
    results = {name: score_split(split, probabilities[name]) for name, split in splits.items()}
    private = results["private_test"]
    for name, label_set in LABEL_SETS.items():
        first = label_set.evaluations[0]
        plot_confusion(
            private[first.name], f"PrivateTest, {first.title} (row-normalised)", out_dir / confusion_plot(name)
        )
    if (model_path.parent / HISTORY).is_file():
        plot_history(model_path.parent / HISTORY, out_dir / "training_curves.png")

    training, record = training_records(model_path)
    card = model_card(
        classifier.model, results, vote_kl(splits["private_test"], probabilities["private_test"]), training, record
    )
    if photos_path is not None:
        photos = run_photos(Predictor(classifier), held_out_photos(photos_path))
        photo_scores = photos.scores()
        card["metrics"]["photos_held_out"] = {
            "face_found": round(float(photos.found.mean()), 4),
            "accuracy": photo_scores.accuracy,
            "macro_recall": photo_scores.macro_recall,
            "images": int(len(photos.labels)),
        }
        card["per_class_photos_held_out"] = photo_scores.per_class
    # Saved as served: folded, no optimizer state.
    classifier.model.save(out_dir / "model.keras")
    card["model_file_bytes"] = (out_dir / "model.keras").stat().st_size
    (out_dir / "model_card.json").write_text(json.dumps(card, indent=2))
    return card


DATA = (
    "FER2013 (Goodfellow et al. 2013) with the FER+ votes (Barsoum et al. 2016): trained on Training (28,709), "
    "selected on PublicTest, reported on PrivateTest"
)


def summary(scores: Scores) -> dict:
    return {"accuracy": scores.accuracy, "macro_recall": scores.macro_recall, "images": scores.images}


def training_records(model_path: Path) -> tuple[dict, dict | None]:
    """How the model was made: its run's training.json (or each member's, for an ensemble), and the record
    train.adjust or train.ensemble wrote beside it (same name, .json), if any."""
    record_path = model_path.with_suffix(".json")
    record = json.loads(record_path.read_text()) if record_path.is_file() else None
    member_paths = [Path(path) for path in record["members"]] if record and "members" in record else [model_path]
    trainings = [
        json.loads((path.parent / "training.json").read_text())
        for path in member_paths
        if (path.parent / "training.json").is_file()
    ]
    training = {"members": trainings} if len(member_paths) > 1 else (trainings[0] if trainings else {})
    return training, record


def model_card(
    model: keras.Model,
    results: dict[str, dict[str, Scores]],
    vote_kl_private_test: float,
    training: dict,
    record: dict | None,
) -> dict:
    """The card from score_split's results per split ("public_test", "private_test", ...)."""
    heads = tuple(model.output_names)
    served = served_head_of(heads)
    private = results["private_test"]
    runs = training.get("members", [training])
    trained_on_photos = any(run.get("photos") for run in runs)
    distilled = any(run.get("config", {}).get("teacher") for run in runs)
    card = {
        "name": "fer-vgg",
        "version": datetime.date.today().isoformat(),
        "architecture": model.name,
        "parameters": int(model.count_params()),
        "input": f"{SERVED.input_size}x{SERVED.input_size} grayscale face, raw 0..255 pixels (scaling is inside "
        "the model)",
        "contract": replace(SERVED, served_head=served).to_dict(),
        "heads": {"served": served, "all": list(heads)}
        | {f"{name} labels scored with": scoring_head(label_set, heads) for name, label_set in LABEL_SETS.items()},
        "data": DATA
        + ("; the training half of photos-dev was also trained on" if trained_on_photos else "")
        + ("; distilled from an ensemble of networks trained on the same data" if distilled else ""),
        "training": training,
        "metrics": {
            f"{labels}_{split}": summary(scores)
            for split, by_labels in results.items()
            for labels, scores in by_labels.items()
        },
        "ferplus_vote_kl_private_test": vote_kl_private_test,
        "selection": {
            "split": SELECTION_SPLIT,
            "score": selection_score_of(results[SELECTION_SPLIT]),
            "what": "mean PublicTest accuracy over "
            + ", ".join(label_set.evaluations[0].title for label_set in LABEL_SETS.values()),
        },
        "per_class_private_test": {name: private[name].per_class for name in LABEL_SETS},
        "confusion_private_test": {name: private[name].confusion for name in LABEL_SETS},
        "evaluated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    if record is not None:
        card["ensemble" if "members" in record else "logit_adjustment"] = record
    return card


def selection_score(card: dict) -> float | None:
    """What models are compared by: the mean PublicTest accuracy over both label sets (None in a card
    written before both were scored)."""
    return card.get("selection", {}).get("score")


def plot_confusion(scores: Scores, title: str, path: Path) -> None:
    confusion = np.asarray(scores.confusion, dtype=np.float64)
    normalised = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    figure = Figure(figsize=(6.4, 5.6), dpi=100)
    axes = figure.subplots()
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
    figure = Figure(figsize=(9, 3.5), dpi=100)
    loss_axes, accuracy_axes = figure.subplots(1, 2)
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


ARTEFACTS = ("model.keras", "model_card.json", "training_curves.png", *map(confusion_plot, LABEL_SETS))


def export(evaluated_dir: Path, assets_dir: Path) -> bool:
    """Copy an evaluated model into assets/ if it beats the shipped one on PublicTest (selection_score), and
    write its served form beside it (model.tflite, train.litert); a shipped card without that score predates the
    protocol and is replaced."""
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
    export_litert(assets_dir / "model.keras", assets_dir / "model.tflite", SHIPPED_QUANTISATION, mirror=SHIPPED_MIRROR)
    return True
