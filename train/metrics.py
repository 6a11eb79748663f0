"""Scores of a model's probabilities against labels: per split and label set (emotion.label_sets), over
labelled photos through the whole pipeline, and how close the served bars are to the FER+ vote shares."""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from emotion.images import open_image
from emotion.label_sets import FERPLUS, LABEL_SETS, SERVED_HEAD, evaluations, scoring_head, served_head_of
from emotion.labels import CLASSES
from emotion.results import FaceResult
from train.data import Split, is_held_out_photo, labelled_photos

SELECTION_SPLIT = "public_test"  # models are compared here; PrivateTest is only ever reported
SERVED_HEAD_SUFFIX = "_served_head"  # "fer2013_served_head": FER2013's labels scored with the served head


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
    per_class = {
        name: {"precision": round(float(p), 4), "recall": round(float(r), 4), "support": int(n)}
        for name, p, r, n in zip(CLASSES, precision, recall, confusion.sum(axis=1), strict=True)
    }
    present = confusion.sum(axis=1) > 0
    return Scores(
        round(float((labels == predicted).mean()), 4) if len(labels) else 0.0,
        round(float(recall[present].mean()), 4) if present.any() else 0.0,
        per_class,
        confusion.tolist(),
        int(len(labels)),
    )


def score_split(split: Split, probabilities: dict[str, np.ndarray]) -> dict[str, Scores]:
    """Every evaluation of every label set (emotion.label_sets), each with its label set's head where the
    model has it, else the served head; and each label set the model does not serve scored with the served
    head as well ("<evaluation>_served_head"). From the split's probabilities per head (Classifier.classify_heads)."""
    heads = tuple(probabilities)
    served = served_head_of(heads)
    results = {}
    for label_set, evaluation in evaluations():
        labels = evaluation.labels(split)
        scored = labels >= 0
        results[evaluation.name] = score(
            labels[scored], probabilities[scoring_head(label_set, heads)][scored].argmax(axis=1)
        )
        if label_set.name != SERVED_HEAD:
            results[evaluation.name + SERVED_HEAD_SUFFIX] = score(
                labels[scored], probabilities[served][scored].argmax(axis=1)
            )
    return results


def selection_score_of(public_test: dict[str, Scores]) -> float:
    """What models are compared by (export, train.ensemble): the mean of the PublicTest accuracies on each
    label set's first evaluation (FER2013 labels and FER+ pluralities), from score_split's result."""
    firsts = [label_set.evaluations[0].name for label_set in LABEL_SETS.values()]
    return round(float(np.mean([public_test[name].accuracy for name in firsts])), 4)


def mean_kl_divergence(votes: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean KL(vote shares || predicted probabilities) in nats over faces with votes: 0 when a model
    says exactly what share of annotators chose each class."""
    voted = votes.sum(axis=1) > 0
    shares, predicted = votes[voted], np.clip(probabilities[voted], 1e-7, 1)
    terms = np.where(shares > 0, shares * np.log(np.maximum(shares, 1e-12) / predicted), 0.0)
    return round(float(terms.sum(axis=1).mean()), 4)


def vote_kl(split: Split, probabilities: dict[str, np.ndarray]) -> float:
    """mean_kl_divergence of the served head against the split's FER+ vote shares."""
    return mean_kl_divergence(FERPLUS.target(split), probabilities[served_head_of(tuple(probabilities))])


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
