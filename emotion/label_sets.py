"""The label sets a model can learn, one head each: the one place that says, for each, what the head
learns (its training target and loss), which labels score it, what the model card and the app call
those scores; and which head the app serves.

A new training target is one more entry in LABEL_SETS. The targets and labels are read from a split of
faces (train.data.Split) by attribute, so this module needs nothing from train/.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from emotion.labels import CLASSES


class LabelledFaces(Protocol):
    """What a label set reads from a split of faces (train.data.Split has it all)."""

    labels: np.ndarray  # (N,) FER2013's own label, an index into CLASSES
    votes: np.ndarray  # (N, 7) FER+ vote shares; zeros where a face has none
    ferplus_labels: np.ndarray  # (N,) FER+ plurality; -1 where not scored
    ferplus_majority_labels: np.ndarray  # (N,) FER+ majority (Barsoum et al.'s test rule); -1 where none


@dataclass(frozen=True)
class Evaluation:
    """One way of scoring a head: labels per face (-1: the face is left out) and what they are called."""

    name: str  # the model card's metric prefix: "<name>_<split>"
    title: str  # what a person reads (the app's About panel)
    labels: Callable[[LabelledFaces], np.ndarray]


@dataclass(frozen=True)
class LabelSet:
    name: str  # the head's (output's) name in every model
    description: str
    target: Callable[[LabelledFaces], np.ndarray]  # (N, 7) float32; an all-zero row adds no loss
    label_smoothing: bool  # one-annotator labels are smoothed; vote shares are soft already
    evaluations: tuple[Evaluation, ...]  # the first is the one that selects and adjusts this head
    meaning: str  # what the head's probabilities mean, for the page that shows them as bars


def one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(len(CLASSES), dtype=np.float32)[np.asarray(labels, np.int64)]


FERPLUS = LabelSet(
    name="ferplus",
    description="FER+ vote shares (Barsoum et al. 2016: ten annotators a face)",
    target=lambda split: np.asarray(split.votes, np.float32),
    label_smoothing=False,
    evaluations=(
        Evaluation("ferplus", "FER+ labels (plurality of 10 annotators)", lambda split: split.ferplus_labels),
        Evaluation(
            "ferplus_majority",
            "FER+ labels, majority rule (the FER+ papers' test labels)",
            lambda split: split.ferplus_majority_labels,
        ),
    ),
    meaning=(
        "The model learnt from FER+, where ten people labelled every face: a bar estimates the share of "
        "people who would read that expression in the face (the label is the most likely one). A face many "
        "people read differently gets several middling bars, not a confident wrong one."
    ),
)
FER2013 = LabelSet(
    name="fer2013",
    description="FER2013's own labels (one annotator a face)",
    target=lambda split: one_hot(split.labels),
    label_smoothing=True,
    evaluations=(Evaluation("fer2013", "FER2013's own labels (one annotator)", lambda split: split.labels),),
    meaning=(
        "The model learnt FER2013's labels, one person's reading of each face: a bar is the model's "
        "probability that this label would be given."
    ),
)
LABEL_SETS: dict[str, LabelSet] = {label_set.name: label_set for label_set in (FERPLUS, FER2013)}
# The head whose probabilities the app shows as bars: this one line (and a retrain, if models lack the head)
# changes it everywhere: page, REST, CLI, evaluation, model card.
SERVED_HEAD = FERPLUS.name


def confusion_plot(head: str) -> str:
    """The file name of a head's PrivateTest confusion matrix, beside the model (train.evaluate)."""
    return f"confusion_matrix_{head}.png"


def served_head_of(heads: tuple[str, ...]) -> str:
    """The head the app serves from a model with these heads: SERVED_HEAD where it has it, else the first of
    LABEL_SETS it has, else its first head (a model from elsewhere with other output names)."""
    preferred = (SERVED_HEAD, *LABEL_SETS)
    return next((name for name in preferred if name in heads), heads[0])


def scoring_head(label_set: LabelSet, heads: tuple[str, ...]) -> str:
    """The head a label set's labels are scored with: its own where the model has it, else the served one."""
    return label_set.name if label_set.name in heads else served_head_of(heads)


def evaluations() -> tuple[tuple[LabelSet, Evaluation], ...]:
    """Every way of scoring a model, with the label set it belongs to, in LABEL_SETS order."""
    return tuple((label_set, evaluation) for label_set in LABEL_SETS.values() for evaluation in label_set.evaluations)
