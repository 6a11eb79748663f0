"""Evaluation of a trained model on FER2013's test splits, through the same Classifier the app uses.

Each split is scored on every label set's labels (emotion.label_sets, train.metrics.score_split), and on
the held-out half of a labelled photo folder through the whole photo pipeline when one is given. Writes
the model in its served form (BatchNorm folded), its card (train.card) and its plots (train.plots).
"""

import json
from pathlib import Path

import keras
import numpy as np

from emotion.classifier import Classifier
from emotion.label_sets import LABEL_SETS, confusion_plot
from emotion.predictor import Predictor
from train.card import model_card, training_records
from train.config import HISTORY
from train.data import Split, fer2013_splits, join_splits
from train.metrics import held_out_photos, run_photos, score_split, vote_kl
from train.model import fold_batch_norm
from train.plots import plot_confusion, plot_history


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
