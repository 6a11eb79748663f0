"""train.adjust: logit adjustment, its alpha chosen, folded into the output bias and said in the card."""

import numpy as np
import pytest

from emotion import Predictor
from emotion.layers import FerVgg
from tests.synthetic import synthetic_faces
from train.adjust import adjust, choose_alpha, class_prior, fold_into_bias
from train.data import load_fer2013
from train.evaluate import evaluate


def test_choose_alpha_takes_the_most_accurate_and_the_smallest_on_a_tie():
    prior = np.array([0.7, 0.1, 0.1, 0.05, 0.02, 0.02, 0.01])
    labels = np.arange(70) % 7
    leaning = np.full((70, 7), 0.05)
    leaning[np.arange(70), labels] = 0.3
    leaning[:, 0] = 0.4  # a model leaning to the frequent class: plain argmax says 0 for every face
    leaning /= leaning.sum(axis=1, keepdims=True)
    alpha, scores = choose_alpha(leaning, labels, prior)
    assert scores[0.0].accuracy == pytest.approx(1 / 7, abs=1e-4)
    assert alpha > 0 and scores[alpha].accuracy == 1.0
    assert alpha == min(a for a, value in scores.items() if value.accuracy == 1.0)
    balanced = np.eye(7)[labels] * 0.9 + 0.1 / 7
    assert choose_alpha(balanced, labels, prior)[0] == 0.0  # nothing to gain: no adjustment


def test_choose_alpha_by_macro_recall_gives_up_accuracy_for_the_rare_class():
    prior = np.array([0.5, 0.05, 0.15, 0.1, 0.1, 0.05, 0.05])
    labels = np.array([0] * 8 + [1] * 2)
    probabilities = np.full((10, 7), 0.02)
    probabilities[:, 0] = 0.6
    probabilities[:3, 1] = 0.5  # three frequent-class faces a little rare-looking: adjusting moves them to class 1
    probabilities[8:, 1] = 0.5  # the rare class, only after adjustment
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    by_accuracy, scores = choose_alpha(probabilities, labels, prior)
    by_recall, _ = choose_alpha(probabilities, labels, prior, by="macro_recall")
    assert by_accuracy == 0.0 and scores[0.0].accuracy == 0.8
    assert by_recall > 0 and scores[by_recall].macro_recall > scores[0.0].macro_recall
    assert scores[by_recall].accuracy < scores[0.0].accuracy
    with pytest.raises(ValueError, match="macro_recall"):
        choose_alpha(probabilities, labels, prior, by="f1")


def test_adjusted_model_serves_the_shifted_logits_and_its_card_says_so(fer_folder, tmp_path):
    FerVgg(widths=(4, 8), convs_per_stage=1).save(tmp_path / "best.keras")
    faces = load_fer2013(fer_folder)["private_test"].faces
    before = Predictor.load(tmp_path / "best.keras").classify(faces, head="fer2013")
    record = adjust(fer_folder, tmp_path / "best.keras", tmp_path / "adjusted.keras", head="fer2013")
    shift = -record["alpha"] * np.log(class_prior(np.eye(7)[load_fer2013(fer_folder)["train"].labels]))
    expected = np.exp(np.log(before) + shift)
    expected /= expected.sum(axis=1, keepdims=True)
    adjusted = Predictor.load(tmp_path / "adjusted.keras")
    assert np.allclose(adjusted.classify(faces, head="fer2013"), expected, atol=1e-4)
    assert np.allclose(adjusted.classify(faces), Predictor.load(tmp_path / "best.keras").classify(faces))  # untouched
    card = evaluate(fer_folder, tmp_path / "adjusted.keras", tmp_path / "evaluation")
    assert card["logit_adjustment"]["alpha"] == record["alpha"] and card["logit_adjustment"]["head"] == "fer2013"
    assert set(card["logit_adjustment"]["public_test_accuracy_by_alpha"]) == {"0.0", "0.25", "0.5", "0.75", "1.0"}
    assert card["logit_adjustment"]["chosen_by"] == "PublicTest accuracy"


def test_folding_a_shift_into_the_output_bias_moves_the_logits():
    model = FerVgg(widths=(4, 8), convs_per_stage=1)
    faces = synthetic_faces(7, 3)[0][..., None].astype(np.float32)
    before = model.predict(faces, verbose=0)["ferplus"]
    shift = np.linspace(-1, 1, 7)
    fold_into_bias(model, "ferplus", shift)
    after = model.predict(faces, verbose=0)["ferplus"]
    assert np.allclose(
        np.log(after) - np.log(before) - shift, (np.log(after) - np.log(before) - shift)[:, :1], atol=1e-4
    )  # equal up to the softmax's per-face constant
    assert not np.allclose(after, before)
