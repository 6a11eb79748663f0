"""Several trained models served as one: their probabilities averaged, optionally over each face and its
mirror image (test-time flips), in one .keras file the app loads like any other.

Which members join, and whether flips are used, is chosen greedily on PublicTest by the selection score
(train.evaluate: the mean of the FER2013-label and FER+ accuracies): the best single model first, then
each other candidate only if the score rises with it, then flips only if they raise it too.
"""

import json
from collections.abc import Collection
from pathlib import Path

import keras
import numpy as np
from keras import layers

from emotion.classifier import Classifier
from emotion.label_sets import LABEL_SETS
from emotion.layers import HorizontalFlip
from emotion.preprocess import INPUT_SIZE
from train.data import Split, fer2013_splits
from train.metrics import score_split, selection_score_of
from train.model import fold_batch_norm


def heads_among(head_sets: list[Collection[str]]) -> list[str]:
    """The heads any member has (each member given by its head names), in LABEL_SETS order."""
    return [head for head in LABEL_SETS if any(head in heads for heads in head_sets)]


def combine(members: list[keras.Model], flips: bool) -> keras.Model:
    """One model whose every head averages that head over the members that have it (BatchNorm folded) and
    the views: a member trained on one label set adds to that set's head only."""
    heads = heads_among([member.output_names for member in members])
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 1), name="face")
    views = [inputs, HorizontalFlip(name="mirror")(inputs)] if flips else [inputs]
    per_head: dict[str, list] = {head: [] for head in heads}
    for index, member in enumerate(members):
        member = fold_batch_norm(member)
        member.name = f"member{index}"
        for view in views:
            outputs = member(view)
            for head in member.output_names:
                per_head[head].append(outputs[head])
    outputs = {
        head: layers.Average(name=head)(values) if len(values) > 1 else layers.Identity(name=head)(values[0])
        for head, values in per_head.items()
    }
    return keras.Model(inputs, outputs, name="fer_ensemble")


def averaged(runs: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Each head's probabilities averaged over the runs that have that head."""
    return {head: np.mean([run[head] for run in runs if head in run], axis=0) for head in heads_among(runs)}


def build_ensemble(data: Path | dict[str, Split], model_paths: list[Path], out_path: Path) -> dict:
    """Choose members and flips on PublicTest, write the combined model to out_path and the choice beside
    it (same name, .json); returns that record."""
    public_test = fer2013_splits(data)["public_test"]
    classifiers = [Classifier(keras.saving.load_model(path, compile=False)) for path in model_paths]
    plain = [classifier.classify_heads(public_test.faces) for classifier in classifiers]
    mirrored = [classifier.classify_heads(public_test.faces[:, :, ::-1]) for classifier in classifiers]

    tried: list[dict] = []

    def score_of(chosen: list[int], flips: bool) -> float:
        runs = [plain[i] for i in chosen] + ([mirrored[i] for i in chosen] if flips else [])
        score = selection_score_of(score_split(public_test, averaged(runs)))
        tried.append({"members": [str(model_paths[i]) for i in chosen], "flips": flips, "score": round(score, 4)})
        return score

    singles = [score_of([i], False) for i in range(len(classifiers))]
    chosen, best = [int(np.argmax(singles))], max(singles)
    for candidate in np.argsort(singles)[::-1][1:]:
        with_it = score_of(chosen + [int(candidate)], False)
        if with_it > best:
            chosen, best = chosen + [int(candidate)], with_it
    flipped = score_of(chosen, True)
    flips = flipped > best

    out_path.parent.mkdir(parents=True, exist_ok=True)
    combine([classifiers[i].model for i in chosen], flips).save(out_path)
    record = {
        "method": "average of the members' probabilities per head, chosen greedily on PublicTest",
        "members": [str(model_paths[i]) for i in chosen],
        "flips": flips,
        "public_test_tried": tried,
        "public_test_score": round(max(best, flipped), 4),
    }
    out_path.with_suffix(".json").write_text(json.dumps(record, indent=2))
    return record
