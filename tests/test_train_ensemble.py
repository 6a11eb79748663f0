"""train.ensemble: members averaged over the face and its mirror, chosen greedily on PublicTest."""

import csv

import numpy as np
import pytest

from emotion import Predictor
from emotion.layers import FerVgg
from tests.synthetic import synthetic_faces
from train.config import FitConfig
from train.ensemble import build_ensemble, combine
from train.evaluate import evaluate
from train.fit import fit


def test_ensemble_averages_its_members_over_the_face_and_its_mirror_image(tmp_path):
    members = [FerVgg(widths=(4, 8), convs_per_stage=1) for _ in range(2)]
    combine(members, flips=True).save(tmp_path / "ensemble.keras")
    served = Predictor.load(tmp_path / "ensemble.keras")  # the app loads it like any model
    faces = synthetic_faces(7, 3)[0]
    views = [faces[..., None].astype(np.float32), faces[:, :, ::-1, None].astype(np.float32)]
    for head in ("ferplus", "fer2013"):
        expected = np.mean([member.predict(view, verbose=0)[head] for member in members for view in views], axis=0)
        assert np.allclose(served.classify(faces, head=head), expected, atol=1e-5)
        assert not np.allclose(expected, members[0].predict(views[0], verbose=0)[head], atol=1e-3)


def test_ensemble_takes_a_member_or_flips_only_when_public_test_rises(fer_folder, tmp_path):
    model = FerVgg(widths=(4, 8), convs_per_stage=1)
    model.save(tmp_path / "a.keras")
    model.save(tmp_path / "copy_of_a.keras")  # averaging a model with itself changes nothing
    record = build_ensemble(fer_folder, [tmp_path / "a.keras", tmp_path / "copy_of_a.keras"], tmp_path / "e.keras")
    assert len(record["members"]) == 1
    scores = {(len(tried["members"]), tried["flips"]): tried["score"] for tried in record["public_test_tried"]}
    assert scores[(2, False)] == scores[(1, False)]
    assert record["flips"] == (scores[(1, True)] > scores[(1, False)])
    assert record["public_test_score"] == max(scores[(1, True)], scores[(1, False)])
    card = evaluate(fer_folder, tmp_path / "e.keras", tmp_path / "evaluation")
    assert card["ensemble"]["members"] == record["members"] and "logit_adjustment" not in card


def test_a_member_with_one_head_adds_to_that_head_only(tmp_path):
    both, votes_only = (
        FerVgg(widths=(4, 8), convs_per_stage=1),
        FerVgg(widths=(4, 8), convs_per_stage=1, heads=("ferplus",)),
    )
    combined = combine([both, votes_only], flips=False)
    faces = synthetic_faces(7, 3)[0][..., None].astype(np.float32)
    outputs = combined.predict(faces, verbose=0)
    assert set(outputs) == {"ferplus", "fer2013"}
    expected = (both.predict(faces, verbose=0)["ferplus"] + votes_only.predict(faces, verbose=0)["ferplus"]) / 2
    assert np.allclose(outputs["ferplus"], expected, atol=1e-5)
    assert np.allclose(outputs["fer2013"], both.predict(faces, verbose=0)["fer2013"], atol=1e-5)


@pytest.mark.slow
def test_a_one_head_model_trains_and_is_chosen_by_its_accuracy(fer_folder, tmp_path):
    config = FitConfig(epochs=1, batch_size=16, widths=(4, 8), convs_per_stage=1, heads=("ferplus",))
    best = fit(fer_folder, tmp_path / "run", config)
    assert Predictor.load(best).heads == ("ferplus",)
    history = list(csv.DictReader((tmp_path / "run" / "history.csv").open()))
    assert float(history[0]["val_mean_accuracy"]) == float(history[0]["val_accuracy"])
    card = evaluate(fer_folder, best, tmp_path / "evaluation")
    assert card["heads"]["fer2013 labels scored with"] == "ferplus"
    assert (tmp_path / "evaluation" / "training_curves.png").stat().st_size > 1000
