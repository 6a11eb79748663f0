"""Post-hoc logit adjustment (Menon et al., ICLR 2021, "Long-tail learning via logit adjustment").

FER2013's classes are unbalanced (happy 25% of Training, disgust 1.5%; under FER+ votes neutral leads),
so a network trained on them leans towards the frequent ones. Subtracting alpha * log(class prior) from
a head's logits takes part of that lean away. alpha is chosen on PublicTest (where models are selected)
against that head's own labels, and folded into the head's bias, so the adjusted model is served
exactly like any other.
"""

import json
from pathlib import Path

import keras
import numpy as np

from emotion.classifier import Classifier
from emotion.label_sets import LABEL_SETS, LabelSet
from emotion.labels import CLASSES
from train.data import Split, load_fer2013
from train.metrics import Scores, score

ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)
# What alpha is chosen by on PublicTest: accuracy (the default: adjusts only where it pays overall) or the
# mean recall over classes (trades accuracy for the rare classes, e.g. disgust and fear on real photos).
CHOICES = ("accuracy", "macro_recall")


def class_prior(targets: np.ndarray) -> np.ndarray:
    """A head's class prior on Training: the mean of its training targets over the faces that have one
    (FER2013's label counts, or the FER+ vote shares), each class at least 1e-4."""
    rows = targets[targets.sum(axis=1) > 0]
    prior = np.maximum(rows.mean(axis=0), 1e-4) if len(rows) else np.full(len(CLASSES), 1 / len(CLASSES))
    return prior / prior.sum()


def adjusted_predictions(probabilities: np.ndarray, prior: np.ndarray, alpha: float) -> np.ndarray:
    """Class indices after subtracting alpha * log(prior) from the log probabilities."""
    return (np.log(np.clip(probabilities, 1e-12, None)) - alpha * np.log(prior)).argmax(axis=1)


def choose_alpha(
    probabilities: np.ndarray,
    labels: np.ndarray,
    prior: np.ndarray,
    alphas: tuple[float, ...] = ALPHAS,
    by: str = "accuracy",
) -> tuple[float, dict[float, Scores]]:
    """The alpha whose adjusted predictions score best on `by` ("accuracy" or "macro_recall"; the smallest
    alpha on a tie), and each alpha's scores.

    argmax(log p - alpha log prior) equals argmax(logits - alpha log prior): softmax only shifts logits.
    """
    if by not in CHOICES:
        raise ValueError(f"by must be one of {CHOICES}, not {by!r}")
    scores = {alpha: score(labels, adjusted_predictions(probabilities, prior, alpha)) for alpha in alphas}
    best = max(alphas, key=lambda alpha: (getattr(scores[alpha], by), -alpha))
    return best, scores


def head_prior_and_labels(
    label_set: LabelSet, train: Split, public_test: Split
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For a head: its Training class prior, and PublicTest's rows and labels it is selected on (the label
    set's first evaluation)."""
    labels = label_set.evaluations[0].labels(public_test)
    rows = np.flatnonzero(labels >= 0)
    return class_prior(label_set.target(train)), rows, labels[rows]


def fold_into_bias(model: keras.Model, head: str, shift: np.ndarray) -> None:
    """Add shift to the logits of the head's softmax layer (train.model names it after the head), in place."""
    layer = model.get_layer(head)
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel, bias + shift.astype(bias.dtype)])


def adjust(data_path: Path, model_path: Path, out_path: Path, head: str | None = None, by: str = "accuracy") -> dict:
    """Adjust one head (default: the served one) with the alpha that scores best on `by` on PublicTest; write
    the adjusted model to out_path and what was chosen, and why, beside it (same name, .json)."""
    data = load_fer2013(data_path)
    classifier = Classifier.load(model_path)
    head = head or classifier.served_head
    prior, rows, labels = head_prior_and_labels(LABEL_SETS[head], data["train"], data["public_test"])
    probabilities = classifier.classify(data["public_test"].faces[rows], head=head)
    alpha, scores = choose_alpha(probabilities, labels, prior, by=by)
    fold_into_bias(classifier.model, head, -alpha * np.log(prior))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    classifier.model.save(out_path)
    record = {
        "method": "logit adjustment (Menon et al. 2021): logits - alpha * log(Training class prior)",
        "adjusted_from": str(model_path),
        "head": head,
        "alpha": alpha,
        "chosen_by": f"PublicTest {by}",
        "training_class_prior": dict(zip(CLASSES, np.round(prior, 4).tolist(), strict=True)),
        "public_test_accuracy_by_alpha": {str(a): scores[a].accuracy for a in scores},
        "public_test_macro_recall_by_alpha": {str(a): scores[a].macro_recall for a in scores},
        "public_test_after": {"accuracy": scores[alpha].accuracy, "macro_recall": scores[alpha].macro_recall},
    }
    out_path.with_suffix(".json").write_text(json.dumps(record, indent=2))
    return record
