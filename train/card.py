"""The model card: what a model is, what it learnt from, and what it scored, as the app and README read it."""

import datetime
import json
from dataclasses import replace
from pathlib import Path

import keras

from emotion.contract import SERVED
from emotion.label_sets import LABEL_SETS, scoring_head, served_head_of
from train.metrics import SELECTION_SPLIT, Scores, selection_score_of

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
