"""The training pipeline on data the tests make: both FER2013 forms, one short fit, evaluation, export."""

import csv
import json
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pytest

from emotion import CLASSES, Predictor
from emotion.detector import FaceDetector
from emotion.preprocess import prepare_face
from tests.synthetic import synthetic_faces
from train.adjust import adjust, choose_alpha, class_prior, fold_into_bias
from train.augment import PHOTO_LIKE, Augmentation, augment
from train.batches import FaceBatches
from train.callbacks import EpochPlan, training_callbacks
from train.config import FitConfig
from train.data import (
    CSV_CODE_TO_CLASS,
    load_csv,
    load_fer2013,
    load_ferplus_votes,
    load_folder,
    majority_labels,
    vote_shares_and_plurality,
)
from train.distil import Distiller, in_precision
from train.ensemble import build_ensemble, combine
from train.evaluate import evaluate
from train.export import export
from train.fit import copy_weights, fit, losses_for, start_from, targets_of
from train.metrics import mean_kl_divergence, score
from train.model import build_model, fold_batch_norm, unfold_batch_norm
from train.photos import is_held_out_photo, load_photo_faces


def test_folder_layout_splits_by_file_name_prefix(fer_folder):
    data = load_folder(fer_folder)
    assert {name: len(split) for name, split in data.items()} == {"train": 70, "public_test": 28, "private_test": 21}
    assert data["train"].faces.shape == (70, 48, 48) and data["train"].faces.dtype == np.uint8
    assert set(data["public_test"].labels) == set(range(7))


def test_csv_codes_are_mapped_to_project_order(tmp_path):
    faces, _ = synthetic_faces(7, 3)
    path = tmp_path / "fer2013.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["emotion", "pixels", "Usage"])
        for code, usage in zip(range(7), ["Training"] * 5 + ["PublicTest", "PrivateTest"], strict=True):
            writer.writerow([code, " ".join(map(str, faces[code].ravel())), usage])
    data = load_fer2013(tmp_path)  # a folder holding fer2013.csv works as well as the file
    assert [CLASSES[i] for i in data["train"].labels] == ["angry", "disgust", "fear", "happy", "sad"]
    assert CLASSES[data["public_test"].labels[0]] == "surprise"
    assert CLASSES[data["private_test"].labels[0]] == "neutral"
    assert np.array_equal(data["train"].faces[4], prepare_face(faces[4]))  # the shared preprocessing
    assert CSV_CODE_TO_CLASS[6] == "neutral"
    assert len(load_csv(path)["train"]) == 5


def test_votes_become_seven_class_shares_and_a_plurality():
    # columns: the seven classes in CLASSES order, then contempt, unknown, not-a-face
    counts = np.array(
        [
            [0, 0, 0, 7, 3, 0, 0, 0, 0, 0],  # happy
            [0, 0, 0, 0, 2, 0, 0, 6, 2, 0],  # contempt plurality: not scored, shares over the seven kept
            [0, 0, 0, 4, 4, 0, 0, 0, 2, 0],  # tie: not scored
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  # no votes
            [0, 0, 0, 0, 0, 0, 0, 0, 1, 9],  # only not-a-face and unknown: no shares
        ]
    )
    shares, plurality = vote_shares_and_plurality(counts)
    assert plurality.tolist() == [3, -1, -1, -1, -1]
    np.testing.assert_allclose(shares[0], [0, 0, 0, 0.7, 0.3, 0, 0])
    np.testing.assert_allclose(shares[1], [0, 0, 0, 0, 1, 0, 0])
    assert shares[3:].sum() == 0


def test_majority_labels_follow_the_ferplus_papers_rule():
    counts = np.array(
        [
            [0, 0, 0, 6, 4, 0, 0, 0, 0, 0],  # happy, 6 of 10: a majority
            [0, 0, 1, 5, 2, 1, 1, 0, 0, 0],  # single votes dropped: happy 5 of 7
            [0, 0, 0, 5, 3, 0, 0, 2, 0, 0],  # happy 5 of 10: a plurality, not a majority
            [0, 0, 0, 0, 0, 0, 0, 0, 8, 2],  # unknown: not one of the seven
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  # no votes
        ]
    )
    assert majority_labels(counts).tolist() == [3, 3, -1, -1, -1]
    assert vote_shares_and_plurality(counts)[1].tolist() == [3, 3, 3, -1, -1]  # the plurality keeps the third


def test_folder_votes_are_joined_by_file(fer_folder):
    votes = load_ferplus_votes(fer_folder / "ferplus.csv")
    assert "train/fear/Training_4.png" not in votes  # FER+ left it unnamed
    angry = votes["train/angry/Training_0.png"]  # columns in CLASSES order, then contempt, unknown, NF
    assert angry[CLASSES.index("angry")] == 7 and angry[CLASSES.index("neutral")] == 3 and angry.sum() == 10
    train = load_folder(fer_folder)["train"]
    unnamed = [index for index in range(70) if index % 5 == 4]
    scored = [index for index in range(70) if index % 5 != 4 and index % 7 != 6]
    assert (train.votes.sum(axis=1) == 0).sum() == len(unnamed)
    assert (train.ferplus_labels >= 0).sum() == len(scored)
    on_ferplus = train.ferplus_labels >= 0
    assert np.array_equal(train.ferplus_labels[on_ferplus], train.labels[on_ferplus])  # the votes agree by design


def test_faces_without_votes_add_nothing_to_the_ferplus_loss(fer_folder):
    train = load_folder(fer_folder)["train"]
    targets = targets_of(train, ("ferplus", "fer2013"))
    loss = losses_for(("ferplus", "fer2013"), label_smoothing=0.1)
    uniform = np.full((len(train), 7), 1 / 7, np.float32)
    no_votes = train.votes.sum(axis=1) == 0
    per_face = np.asarray(loss["ferplus"].call(targets["ferplus"], uniform))
    assert no_votes.any() and np.all(per_face[no_votes] == 0) and np.all(per_face[~no_votes] > 0)
    assert np.all(np.asarray(loss["fer2013"].call(targets["fer2013"], uniform)) > 0)


def test_model_has_a_head_per_label_set_and_serves_ferplus(tmp_path):
    build_model(widths=(4, 8), convs_per_stage=1).save(tmp_path / "model.keras")
    predictor = Predictor.load(tmp_path / "model.keras")
    assert set(predictor.heads) == {"ferplus", "fer2013"} and predictor.served_head == "ferplus"
    faces = synthetic_faces(7, 3)[0]
    served, fer2013 = predictor.classify(faces), predictor.classify(faces, head="fer2013")
    assert served.shape == fer2013.shape == (7, 7) and not np.allclose(served, fer2013)
    build_model(widths=(4, 8), convs_per_stage=1, heads=("fer2013",)).save(tmp_path / "one_head.keras")
    assert Predictor.load(tmp_path / "one_head.keras").served_head == "fer2013"
    with pytest.raises(ValueError, match="heads"):
        build_model(heads=("affectnet",))


def test_kl_divergence_is_zero_for_the_vote_shares_and_skips_unvoted_faces():
    votes = np.array([[0.7, 0.3, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]])
    assert mean_kl_divergence(votes, np.array([[0.7, 0.3, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0]])) == 0
    assert mean_kl_divergence(votes, np.full((2, 7), 1 / 7)) > 0.5


def test_photo_faces_come_from_the_training_half_only(photo_folder, astronaut):
    photos = sorted((photo_folder / CLASSES[i % 3] / f"photo_{i}.jpg") for i in range(12))
    training_half = [path for path in photos if not is_held_out_photo(path)]
    assert 0 < len(training_half) < len(photos)  # the fixture has photos in both halves
    assert is_held_out_photo(Path("happy/photo_1.jpg")) == is_held_out_photo(Path("sad/photo_1.jpg"))  # name only
    split = load_photo_faces(photo_folder)
    assert len(split) == len(training_half)  # the face-less photo is left out whichever half it is in
    assert sorted(CLASSES[label] for label in split.labels) == sorted(path.parent.name for path in training_half)
    assert split.faces.shape[1:] == (48, 48)
    # the crop is the app's: the detector's box around the astronaut, the shared preprocessing
    served = prepare_face(astronaut, FaceDetector().detect(astronaut)[0].box)
    assert np.corrcoef(split.faces[0].ravel().astype(float), served.ravel().astype(float))[0, 1] > 0.95


def test_unknown_data_path_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="neither fer2013.csv nor a folder"):
        load_fer2013(tmp_path)


def test_score_counts_the_confusion_matrix():
    result = score(np.array([0, 0, 1, 3]), np.array([0, 1, 1, 3]))
    assert result.accuracy == 0.75
    assert result.confusion[0][1] == 1 and result.per_class["angry"]["recall"] == 0.5
    assert result.macro_recall == pytest.approx((0.5 + 1 + 1) / 3, abs=1e-4)


class Interruption(Exception):
    pass


@pytest.mark.slow
def test_fit_resume_evaluate_export(fer_folder, tmp_path, monkeypatch):
    import train.fit

    class InterruptedLogger(train.fit.keras.callbacks.CSVLogger):
        """Writes the first epoch's row, then stops the run as a killed session would."""

        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)
            raise Interruption

    config = FitConfig(epochs=2, batch_size=16, widths=(4, 8), convs_per_stage=1)
    run = tmp_path / "run"
    with monkeypatch.context() as patch:
        patch.setattr(train.fit.keras.callbacks, "CSVLogger", InterruptedLogger)
        with pytest.raises(Interruption):
            fit(fer_folder, run, config)
    assert (run / "best.keras").is_file() and (run / "backup").is_dir()
    assert len((run / "history.csv").read_text().splitlines()) == 2  # header and the first epoch

    with pytest.raises(FileExistsError, match="--resume"):
        fit(fer_folder, run, config)
    history = (run / "history.csv").read_text().splitlines()
    column = history[0].split(",").index("val_mean_accuracy")
    first = history[1].split(",")
    (run / "history.csv").write_text(
        "\n".join([history[0], ",".join(first[:column] + ["1.0"] + first[column + 1 :])]) + "\n"
    )  # a first epoch no later one can beat
    saved_before = (run / "best.keras").read_bytes()
    best = fit(fer_folder, run, config, resume=True)
    assert best.read_bytes() == saved_before  # the resumed epoch did not beat the interrupted run's best
    epochs = [line.split(",")[0] for line in (run / "history.csv").read_text().splitlines()[1:]]
    assert epochs == ["0", "1"]  # resumed at the second epoch, not started again
    assert not (run / "backup").exists()  # a finished run leaves no backup behind

    card = evaluate(fer_folder, run / "best.keras", tmp_path / "evaluation")
    assert set(card["metrics"]) == {
        f"{labels}_{split}"
        for labels in ("fer2013", "ferplus", "ferplus_majority", "fer2013_served_head")
        for split in ("public_test", "private_test", "whole_test")
    }
    assert card["metrics"]["fer2013_whole_test"]["images"] == 49
    private = load_folder(fer_folder)["private_test"]
    assert card["metrics"]["ferplus_private_test"]["images"] == (private.ferplus_labels >= 0).sum() < 21
    assert card["metrics"]["ferplus_majority_private_test"]["images"] == (private.ferplus_majority_labels >= 0).sum()
    assert 0 <= card["metrics"]["fer2013_private_test"]["accuracy"] <= 1
    assert card["heads"]["served"] == "ferplus" and card["heads"]["fer2013 labels scored with"] == "fer2013"
    assert card["ferplus_vote_kl_private_test"] > 0
    public = card["metrics"]
    assert card["selection"]["score"] == pytest.approx(
        (public["fer2013_public_test"]["accuracy"] + public["ferplus_public_test"]["accuracy"]) / 2, abs=1e-4
    )
    for name in ("confusion_matrix_fer2013.png", "confusion_matrix_ferplus.png"):
        assert (tmp_path / "evaluation" / name).stat().st_size > 1000
    assert (tmp_path / "evaluation" / "training_curves.png").stat().st_size > 1000
    served = Predictor.load(tmp_path / "evaluation" / "model.keras")  # the exported file is what the app loads
    assert not [layer for layer in served.classifier.model.layers if "BatchNormalization" in type(layer).__name__]
    faces = private.faces
    assert np.allclose(served.classify(faces), Predictor.load(run / "best.keras").classify(faces), atol=1e-4)
    assert card["model_file_bytes"] < (run / "best.keras").stat().st_size  # no optimizer state

    assets = tmp_path / "assets"
    assert export(tmp_path / "evaluation", assets) is True
    assert export(tmp_path / "evaluation", assets) is False  # not better than itself
    assert json.loads((assets / "model_card.json").read_text())["parameters"] == card["parameters"]
    shipped = json.loads((assets / "model_card.json").read_text())
    shipped["selection"]["score"] -= 0.01  # the shipped model is now a little worse on PublicTest
    shipped["metrics"]["fer2013_private_test"]["accuracy"] = 1.0  # ...though better on the report split
    (assets / "model_card.json").write_text(json.dumps(shipped))
    assert export(tmp_path / "evaluation", assets) is True  # compared on PublicTest only
    del shipped["selection"]  # a card from before both label sets were scored is replaced
    (assets / "model_card.json").write_text(json.dumps(shipped))
    assert export(tmp_path / "evaluation", assets) is True


@pytest.mark.slow
def test_fit_from_a_model_with_photos_scores_held_out_photos(fer_folder, photo_folder, tmp_path):
    start = tmp_path / "start.keras"
    build_model(widths=(4, 8), convs_per_stage=1).save(start)
    config = FitConfig(epochs=1, batch_size=16, widths=(4, 8), convs_per_stage=1, photo_repeats=2, init_from=str(start))
    best = fit(fer_folder, tmp_path / "run", config, photos_path=photo_folder)
    assert json.loads((tmp_path / "run" / "training.json").read_text())["photos"] == str(photo_folder)

    card = evaluate(fer_folder, best, tmp_path / "evaluation", photos_path=photo_folder)
    held_out = sum(is_held_out_photo(path) for path in photo_folder.rglob("*.jpg"))
    assert card["metrics"]["photos_held_out"]["images"] == held_out
    assert 0 < card["metrics"]["photos_held_out"]["face_found"] <= 1
    assert "photos-dev was also trained on" in card["data"] and "distilled" not in card["data"]


def test_copy_weights_matches_layers_by_name_and_shape():
    source = build_model(widths=(4, 8), convs_per_stage=1)
    target = build_model(widths=(4, 8), convs_per_stage=1)
    assert copy_weights(source, target) == 6  # 2 convs, 2 batch norms, the two heads
    assert np.array_equal(target.get_layer("ferplus").get_weights()[0], source.get_layer("ferplus").get_weights()[0])
    wider = build_model(widths=(4, 16), convs_per_stage=1)
    assert copy_weights(source, wider) == 2  # only the first stage's shapes match


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
    build_model(widths=(4, 8), convs_per_stage=1).save(tmp_path / "best.keras")
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
    model = build_model(widths=(4, 8), convs_per_stage=1)
    faces = synthetic_faces(7, 3)[0][..., None].astype(np.float32)
    before = model.predict(faces, verbose=0)["ferplus"]
    shift = np.linspace(-1, 1, 7)
    fold_into_bias(model, "ferplus", shift)
    after = model.predict(faces, verbose=0)["ferplus"]
    assert np.allclose(
        np.log(after) - np.log(before) - shift, (np.log(after) - np.log(before) - shift)[:, :1], atol=1e-4
    )  # equal up to the softmax's per-face constant
    assert not np.allclose(after, before)


def trained_looking(model: keras.Model) -> keras.Model:
    """`model` with random BatchNorm statistics, so that folding has something to fold."""
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if layer.name.endswith("_bn"):
            channels = layer.get_weights()[0].shape
            layer.set_weights(
                [
                    rng.uniform(0.5, 2, channels),
                    rng.normal(0, 0.5, channels),
                    rng.normal(0, 2, channels),
                    rng.uniform(0.5, 3, channels),
                ]
            )
    return model


def test_folding_batch_norm_keeps_the_outputs_and_drops_the_layers():
    model = trained_looking(build_model(widths=(4, 8), convs_per_stage=2))
    faces = synthetic_faces(7, 3)[0][..., None].astype(np.float32)
    folded = fold_batch_norm(model)
    assert not any(layer.name.endswith("_bn") for layer in folded.layers)
    assert folded.count_params() < model.count_params()
    before, after = model.predict(faces, verbose=0), folded.predict(faces, verbose=0)
    for head in ("ferplus", "fer2013"):
        assert np.allclose(before[head], after[head], atol=1e-5)
    assert fold_batch_norm(folded) is folded


def test_unfolding_batch_norm_gives_back_a_trainable_model_with_the_same_function():
    folded = fold_batch_norm(trained_looking(build_model(widths=(4, 8), convs_per_stage=2, dropout=0.0)))
    faces = synthetic_faces(16, 3)[0][..., None].astype(np.float32)
    unfolded = unfold_batch_norm(folded, faces)
    assert [layer.name for layer in unfolded.layers if layer.name.endswith("_bn")] == [
        "stage1_1_bn",
        "stage1_2_bn",
        "stage2_1_bn",
        "stage2_2_bn",
    ]
    expected = folded.predict(faces, verbose=0)
    inference = unfolded.predict(faces, verbose=0)
    # In training, BatchNorm normalises by the batch's own statistics: on the faces they were measured on,
    # those are the statistics it was given, so training starts from the folded model's outputs.
    training = unfolded(faces, training=True)
    for head in ("ferplus", "fer2013"):
        assert np.allclose(inference[head], expected[head], atol=1e-5)
        assert np.allclose(keras.ops.convert_to_numpy(training[head]), expected[head], atol=1e-4)
    assert unfold_batch_norm(unfolded, faces) is unfolded  # it has BatchNorm already


def test_a_run_can_start_from_a_folded_model(tmp_path):
    folded = fold_batch_norm(trained_looking(build_model(widths=(4, 8), convs_per_stage=1)))
    folded.save(tmp_path / "shipped.keras")
    faces = synthetic_faces(16, 3)[0]
    start = start_from(tmp_path / "shipped.keras", faces, seed=0)
    model = build_model(widths=(4, 8), convs_per_stage=1)
    assert copy_weights(start, model) == 6  # every conv, BatchNorm and head: nothing starts from scratch
    for head in ("ferplus", "fer2013"):
        assert np.allclose(
            model.predict(faces[..., None], verbose=0)[head],
            folded.predict(faces[..., None], verbose=0)[head],
            atol=1e-5,
        )


def test_ensemble_averages_its_members_over_the_face_and_its_mirror_image(tmp_path):
    members = [build_model(widths=(4, 8), convs_per_stage=1) for _ in range(2)]
    combine(members, flips=True).save(tmp_path / "ensemble.keras")
    served = Predictor.load(tmp_path / "ensemble.keras")  # the app loads it like any model
    faces = synthetic_faces(7, 3)[0]
    views = [faces[..., None].astype(np.float32), faces[:, :, ::-1, None].astype(np.float32)]
    for head in ("ferplus", "fer2013"):
        expected = np.mean([member.predict(view, verbose=0)[head] for member in members for view in views], axis=0)
        assert np.allclose(served.classify(faces, head=head), expected, atol=1e-5)
        assert not np.allclose(expected, members[0].predict(views[0], verbose=0)[head], atol=1e-3)


def test_ensemble_takes_a_member_or_flips_only_when_public_test_rises(fer_folder, tmp_path):
    model = build_model(widths=(4, 8), convs_per_stage=1)
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


@pytest.mark.slow
def test_distillation_blends_each_head_with_the_teacher(fer_folder, tmp_path):
    train = load_folder(fer_folder)["train"]
    uniform = np.full((len(train), 7), 1 / 7, np.float32)
    own = targets_of(train, ("ferplus", "fer2013"))
    blended = targets_of(train, ("ferplus", "fer2013"), {"ferplus": uniform, "fer2013": uniform}, 0.25)
    for head in ("ferplus", "fer2013"):
        assert np.allclose(blended[head], 0.75 * own[head] + 0.25 / 7)
    build_model(widths=(4, 8), convs_per_stage=1).save(tmp_path / "teacher.keras")
    config = FitConfig(
        epochs=1, batch_size=16, widths=(4, 8), convs_per_stage=1, teacher=str(tmp_path / "teacher.keras")
    )
    student = fit(fer_folder, tmp_path / "student", config)
    assert json.loads((tmp_path / "student" / "training.json").read_text())["config"]["teacher"] == config.teacher
    assert "distilled from an ensemble" in evaluate(fer_folder, student, tmp_path / "evaluation")["data"]


@pytest.mark.slow
def test_consistent_teaching_blends_each_head_with_the_teacher_on_the_same_augmented_faces(fer_folder, tmp_path):
    heads = ("ferplus", "fer2013")
    student, teacher = build_model(widths=(4, 8), convs_per_stage=1), build_model(widths=(4, 8), convs_per_stage=1)
    faces = synthetic_faces(8, 5)[0][..., None].astype(np.float32)
    labels = np.eye(7, dtype=np.float32)[np.arange(8) % 7]
    targets = {"ferplus": labels, "fer2013": labels[::-1].copy()}
    distiller = Distiller(student, teacher, 0.25)
    distiller.compile(loss=losses_for(heads, 0.0))
    student.compile(loss=losses_for(heads, 0.0))
    taught = teacher.predict(faces, verbose=0)
    blended = {head: 0.75 * targets[head] + 0.25 * taught[head] for head in heads}
    predicted = student(faces)

    def loss(model, wanted, training):
        return float(keras.ops.convert_to_numpy(model.compute_loss(faces, wanted, predicted, training=training)))

    assert loss(distiller, targets, True) == pytest.approx(loss(student, blended, True), rel=1e-5)
    assert loss(distiller, targets, False) == pytest.approx(loss(student, targets, False), rel=1e-5)  # validation
    assert loss(distiller, targets, True) != pytest.approx(loss(student, targets, True), rel=1e-3)

    teacher.save(tmp_path / "teacher.keras")
    config = FitConfig(
        epochs=1,
        batch_size=16,
        widths=(4, 8),
        convs_per_stage=1,
        backup=False,
        teacher=str(tmp_path / "teacher.keras"),
        consistent_teaching=True,
    )
    saved = keras.saving.load_model(fit(fer_folder, tmp_path / "student", config), compile=False)
    assert saved.name == "fer_vgg" and saved.count_params() == student.count_params()  # the student alone
    assert json.loads((tmp_path / "student" / "training.json").read_text())["config"]["consistent_teaching"]


def test_a_teacher_runs_in_the_students_precision_with_its_own_weights():
    # nested models, as an ensemble teacher is; one folded already, as the shipped model is when it is a member
    members = [build_model(widths=(4, 8), convs_per_stage=1), fold_batch_norm(build_model(widths=(4, 8)))]
    teacher = combine(members, flips=True)
    assert in_precision(teacher, "float32") is teacher
    twin = in_precision(teacher, "mixed_bfloat16")
    convs = [
        layer
        for member in twin.layers
        if isinstance(member, keras.Model)
        for layer in member.layers
        if isinstance(layer, keras.layers.Conv2D)
    ]
    assert convs and all(layer.compute_dtype == "bfloat16" and layer.variable_dtype == "float32" for layer in convs)
    faces = synthetic_faces(8, 5)[0][..., None].astype(np.float32)
    expected, got = teacher.predict(faces, verbose=0), twin.predict(faces, verbose=0)
    for head in expected:
        assert np.allclose(expected[head], np.asarray(got[head], np.float32), atol=0.02)


def test_a_member_with_one_head_adds_to_that_head_only(tmp_path):
    both, votes_only = (
        build_model(widths=(4, 8), convs_per_stage=1),
        build_model(widths=(4, 8), convs_per_stage=1, heads=("ferplus",)),
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


def test_augmentation_changes_each_face_within_the_pixel_range():
    faces = synthetic_faces(32, 4)[0]
    augmented = augment(faces, np.random.default_rng(0))
    assert augmented.shape == faces.shape and augmented.dtype == np.float32
    assert augmented.min() >= 0 and augmented.max() <= 255
    assert not np.allclose(augmented, faces, atol=1)
    assert np.array_equal(augment(faces, np.random.default_rng(0)), augmented)  # the generator decides it all
    still = Augmentation(flip=False, rotation_degrees=0, zoom=0, shift=0, brightness=0, contrast=0)
    assert np.allclose(augment(faces, np.random.default_rng(1), still), faces, atol=1e-3)


def test_flipping_alone_mirrors_about_half_the_faces_exactly():
    faces = synthetic_faces(200, 5)[0]
    flip_only = Augmentation(rotation_degrees=0, zoom=0, shift=0, brightness=0, contrast=0)
    augmented = augment(faces, np.random.default_rng(2), flip_only)
    pairs = list(zip(augmented, faces, strict=True))
    mirrored = np.array([np.allclose(out, face[:, ::-1], atol=1e-3) for out, face in pairs])
    unchanged = np.array([np.allclose(out, face, atol=1e-3) for out, face in pairs])
    assert np.all(mirrored | unchanged) and 70 < mirrored.sum() < 130


def test_erasing_hides_a_rectangle_of_the_faces_it_picks():
    faces = np.full((50, 48, 48), 128, np.uint8)
    plain = Augmentation(flip=False, rotation_degrees=0, zoom=0, shift=0, brightness=0, contrast=0)
    erased = augment(faces, np.random.default_rng(3), replace(plain, erasing=0.5))
    changed = (np.abs(erased - 128) > 1e-3).reshape(50, -1).sum(axis=1)
    assert 10 < (changed > 0).sum() < 40 and changed.max() < 48 * 48 / 4


def test_face_batches_shuffle_per_epoch_and_keep_every_face_once():
    faces, labels = synthetic_faces(100, 6)
    targets = {"fer2013": np.eye(7, dtype=np.float32)[labels]}
    training = FaceBatches(faces, targets, 32, Augmentation(), seed=7)
    assert len(training) == 3  # whole batches only
    first = [training[index][1]["fer2013"].argmax(axis=1) for index in range(3)]
    assert np.array_equal(training[2][0], training[2][0])  # a batch depends on (seed, epoch, index) alone
    training.on_epoch_end()
    second = [training[index][1]["fer2013"].argmax(axis=1) for index in range(3)]
    assert not all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert training.take_busy_seconds() > 0 and training.take_busy_seconds() == 0  # the time making them, taken
    validation = FaceBatches(faces, targets, 32, None, seed=7)
    assert len(validation) == 4
    x, y = validation[3]
    assert (
        x.shape == (4, 48, 48, 1)
        and np.array_equal(x[..., 0], faces[96:])
        and np.array_equal(y["fer2013"].argmax(axis=1), labels[96:])
    )


def test_the_photo_like_changes_each_do_their_job():
    faces = synthetic_faces(32, seed=5)[0]
    faces[:, :, 24:] += 120  # an edge in every face, for blur and the lighting to act on
    still = Augmentation(flip=False, rotation_degrees=0, zoom=0, shift=0, brightness=0, contrast=0)
    rng = np.random.default_rng(0)

    gamma = augment(faces, rng, replace(still, gamma=0.3))  # a monotone change of each face's values
    for old, new in zip(faces, gamma, strict=True):
        order = np.argsort(old, axis=None, kind="stable")
        assert (np.diff(new.ravel()[order]) >= 0).all()
    assert not np.allclose(gamma, faces, atol=2)

    soft = augment(faces, rng, replace(still, low_resolution=1.0))  # fewer pixels: less detail
    assert np.abs(np.diff(soft, axis=2)).mean() < np.abs(np.diff(faces.astype(float), axis=2)).mean()

    compressed = augment(faces, rng, replace(still, jpeg=1.0))
    assert 0 < np.abs(compressed - faces).mean() < 12

    grey = np.full_like(faces, 128)
    ramp = augment(grey, rng, replace(still, side_light=0.2)) - 128.0  # one side brighter, the other darker
    np.testing.assert_allclose(ramp, -ramp[:, ::-1, ::-1], atol=1e-3)
    assert np.abs(ramp).max() > 10

    turned = augment(faces, rng, replace(still, squeeze=0.2))
    assert not np.allclose(turned, faces, atol=1)

    photo_like = augment(faces, np.random.default_rng(1), PHOTO_LIKE)
    assert photo_like.min() >= 0 and photo_like.max() <= 255 and photo_like.dtype == np.float32
    assert np.array_equal(photo_like, augment(faces, np.random.default_rng(1), PHOTO_LIKE))


def test_the_learning_rate_warms_up_then_falls_to_near_zero_at_the_planned_end():
    plan = EpochPlan(peak_learning_rate=0.1, warmup_epochs=2, epochs=10)
    rates = [plan.learning_rate(epoch) for epoch in range(10)]
    assert rates[0] == pytest.approx(0.01) and rates[1] == pytest.approx(0.055)
    assert rates[2] == pytest.approx(0.1, rel=0.02) and (np.diff(rates[2:]) < 0).all()
    assert 0 < rates[-1] < 0.005


def test_a_time_limit_plans_the_epochs_that_fit_and_completes_the_cosine():
    plan = EpochPlan(peak_learning_rate=0.1, warmup_epochs=2, epochs=100, minutes=1)
    plan.deadline = 100.0
    plan.started = [0.0, 30.0, 31.0, 32.0]  # the first epoch compiled (30 s); then 1 s an epoch
    plan.replan(epoch=3)
    assert plan.planned == 3 + 68  # 68 s left
    assert plan.learning_rate(plan.planned - 1) < 0.001  # the shortened plan still ends its cosine
    plan.deadline = 1000.0
    plan.replan(epoch=3)
    assert plan.planned == 100  # never more than asked for
    plan.deadline = 10.0
    plan.replan(epoch=3)
    assert plan.planned == 4  # past the deadline: this epoch is the last


def test_the_plans_learning_rate_is_the_one_training_uses():
    """Compiled at a learning rate of 1, trained at the plan's 0: the weights must not move."""
    model = build_model((4, 8), 1, 0.0, ("fer2013",))
    model.compile(optimizer=keras.optimizers.SGD(1.0, momentum=0.9), loss="categorical_crossentropy")
    before = [weight.copy() for weight in model.get_weights()]
    faces = synthetic_faces(16, seed=3)[0].astype(np.float32)[..., None]
    targets = np.eye(7, dtype=np.float32)[np.arange(16) % 7]
    model.fit(faces, {"fer2013": targets}, epochs=2, batch_size=8, verbose=0, callbacks=[EpochPlan(0.0, 1, 2)])
    trainable = {id(weight) for weight in model.trainable_weights}
    for weight, old in zip(model.weights, before, strict=True):
        if id(weight) in trainable:
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(weight), old)


def test_a_time_limit_stops_training_after_the_epoch_that_passes_it(fer_folder, tmp_path):
    config = FitConfig(epochs=3, batch_size=16, widths=(4, 8), convs_per_stage=1, time_limit_minutes=1e-6)
    assert fit(fer_folder, tmp_path / "run", config).is_file()
    history = list(csv.DictReader((tmp_path / "run" / "history.csv").open()))
    assert len(history) == 1 and float(history[0]["learning_rate"]) == pytest.approx(config.learning_rate / 10)
    assert 0 < float(history[0]["epoch_seconds"]) < 600  # how fast the machine trained, for the next plan


def test_evaluate_scores_a_model_not_built_by_train_model(fer_folder, tmp_path):
    """Any Keras model with this input and these heads: its layers named otherwise, BatchNorm included."""
    from keras import layers

    inputs = keras.Input((48, 48, 1))
    x = layers.Conv2D(4, 3, name="mine")(layers.Rescaling(1 / 255)(inputs))
    x = layers.GlobalAveragePooling2D()(layers.BatchNormalization()(x))
    outputs = {head: layers.Dense(7, activation="softmax", name=head)(x) for head in ("ferplus", "fer2013")}
    keras.Model(inputs, outputs).save(tmp_path / "other.keras")
    card = evaluate(fer_folder, tmp_path / "other.keras", tmp_path / "evaluation")
    assert card["metrics"]["ferplus_private_test"]["images"] > 0 and card["parameters"] > 0
    assert Predictor.load(tmp_path / "evaluation" / "model.keras").heads == ("fer2013", "ferplus")


def test_training_callbacks_leave_keras_free_to_dispatch_steps_asynchronously(fer_folder, tmp_path):
    """Keras waits for every step's results when a callback has batch hooks and is not marked async-safe."""
    plan, model = EpochPlan(0.1, 1, 2), build_model((4,), 1)
    faces, labels = synthetic_faces(8, 1)
    batches = FaceBatches(faces, {"fer2013": np.eye(7, dtype=np.float32)[labels]}, 8, None, seed=1)
    with_backup = training_callbacks(tmp_path, FitConfig(), plan, model, batches)
    assert isinstance(with_backup[0], keras.callbacks.BackupAndRestore)
    assert all(getattr(callback, "async_safe", False) for callback in with_backup)
    assert not any(
        isinstance(callback, keras.callbacks.BackupAndRestore)
        for callback in training_callbacks(tmp_path, FitConfig(backup=False), plan, model, batches)
    )

    config = FitConfig(epochs=1, batch_size=16, widths=(4, 8), convs_per_stage=1, backup=False)
    assert fit(fer_folder, tmp_path / "run", config).is_file()
    history = next(csv.DictReader((tmp_path / "run" / "history.csv").open()))
    assert 0 < float(history["loader_load"]) <= 1.0  # the share of the epoch its batches took to make
    with pytest.raises(ValueError, match="--no-backup"):
        fit(fer_folder, tmp_path / "run", config, resume=True)
