"""The training pipeline on data the tests make: both FER2013 forms, one short fit, evaluation, export."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from emotion import CLASSES, Predictor
from emotion.detector import FaceDetector
from emotion.preprocess import prepare_face
from train.adjust import adjust, choose_alpha, class_prior, fold_into_bias
from train.data import (
    CSV_CODE_TO_CLASS,
    Split,
    is_held_out_photo,
    load_csv,
    load_fer2013,
    load_folder,
    load_photo_faces,
    public_test_halves,
)
from train.evaluate import evaluate, export, score
from train.fit import FitConfig, class_weights, copy_weights, fit
from train.model import build_model


def synthetic_faces(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """48x48 images whose class is drawn into them (a bright bar at a class-specific height)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % len(CLASSES)
    faces = rng.integers(0, 60, (count, 48, 48)).astype(np.uint8)
    for face, label in zip(faces, labels, strict=True):
        face[4 + label * 6: 8 + label * 6, 8:40] = 250
    return faces, labels


@pytest.fixture(scope="module")
def fer_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("fer2013")
    for split, prefix, count, seed in (("train", "Training", 70, 0), ("test", "PublicTest", 28, 1),
                                       ("test", "PrivateTest", 21, 2)):
        faces, labels = synthetic_faces(count, seed)
        for index, (face, label) in enumerate(zip(faces, labels, strict=True)):
            folder = root / split / CLASSES[label]
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(face).save(folder / f"{prefix}_{index}.png")
    return root


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory, astronaut, no_face):
    """Labelled photos: the astronaut under several names and labels (both halves), and one photo without a face."""
    root = tmp_path_factory.mktemp("photos")
    for index in range(12):
        folder = root / CLASSES[index % 3]
        folder.mkdir(exist_ok=True)
        Image.fromarray(astronaut).save(folder / f"photo_{index}.jpg")
    Image.fromarray(no_face).save(root / "angry" / "no_face.jpg")
    return root


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


def test_public_test_halves_are_fixed_disjoint_and_complete():
    faces = np.arange(101, dtype=np.uint8).reshape(101, 1, 1) * np.ones((1, 48, 48), np.uint8)
    public = Split(faces, np.arange(101) % 7)
    fit_half, select_half = public_test_halves(public)
    fit_ids, select_ids = set(fit_half.faces[:, 0, 0]), set(select_half.faces[:, 0, 0])
    assert len(fit_half) == 50 and len(select_half) == 51 and fit_ids | select_ids == set(range(101))
    assert not fit_ids & select_ids
    assert np.array_equal(public_test_halves(public)[1].faces, select_half.faces)  # the same halves every time
    assert np.array_equal(select_half.labels, select_half.faces[:, 0, 0] % 7)  # labels stay with their faces


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


def test_class_weights_favour_rare_classes():
    labels = np.array([0] * 90 + [1] * 10 + [2, 3, 4, 5, 6] * 20)
    assert class_weights(labels, 0) is None
    weights = class_weights(labels, 0.5)
    assert weights[1] > weights[2] > weights[0]
    assert np.mean(list(weights.values())) == pytest.approx(1.0)


def test_score_counts_the_confusion_matrix():
    result = score(np.array([0, 0, 1, 3]), np.array([0, 1, 1, 3]))
    assert result.accuracy == 0.75
    assert result.confusion[0][1] == 1 and result.per_class["angry"]["recall"] == 0.5
    assert result.macro_recall == pytest.approx((0.5 + 1 + 1) / 3, abs=1e-4)


class Interruption(Exception):
    pass


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
    assert (run / "last.keras").is_file() and (run / "backup").is_dir()
    assert len((run / "history.csv").read_text().splitlines()) == 2  # header and the first epoch

    with pytest.raises(FileExistsError, match="--resume"):
        fit(fer_folder, run, config)
    best = fit(fer_folder, run, config, resume=True)
    assert best.is_file()
    epochs = [line.split(",")[0] for line in (run / "history.csv").read_text().splitlines()[1:]]
    assert epochs == ["0", "1"]  # resumed at the second epoch, not started again
    assert not (run / "backup").exists()  # a finished run leaves no backup behind

    card = evaluate(fer_folder, run / "best.keras", tmp_path / "evaluation")
    assert set(card["metrics"]) == {"public_test_select_half", "public_test", "private_test", "whole_test"}
    assert card["metrics"]["whole_test"]["images"] == 49
    assert card["metrics"]["public_test_select_half"]["images"] == 14
    assert 0 <= card["metrics"]["private_test"]["accuracy"] <= 1
    assert (tmp_path / "evaluation" / "confusion_matrix.png").stat().st_size > 1000
    assert (tmp_path / "evaluation" / "training_curves.png").stat().st_size > 1000
    Predictor.load(tmp_path / "evaluation" / "model.keras")  # the exported file is what the app loads
    assert card["model_file_bytes"] < (run / "best.keras").stat().st_size  # no optimizer state

    assets = tmp_path / "assets"
    assert export(tmp_path / "evaluation", assets) is True
    assert export(tmp_path / "evaluation", assets) is False  # not better than itself
    assert json.loads((assets / "model_card.json").read_text())["parameters"] == card["parameters"]
    shipped = json.loads((assets / "model_card.json").read_text())
    shipped["metrics"]["public_test_select_half"]["accuracy"] -= 0.01  # the shipped model is now a little worse
    shipped["metrics"]["public_test"]["accuracy"] = 1.0  # ...though better on faces a new model may train on
    (assets / "model_card.json").write_text(json.dumps(shipped))
    assert export(tmp_path / "evaluation", assets) is True  # compared on the select half only


def test_fit_on_sharp_faces_from_a_model_scores_held_out_photos(fer_folder, photo_folder, tmp_path):
    start = tmp_path / "start.keras"
    build_model(widths=(4, 8), convs_per_stage=1, blur_sigma=2.5).save(start)
    config = FitConfig(epochs=1, batch_size=16, widths=(4, 8), convs_per_stage=1, sharp_faces=True,
                       sharp_repeats=2, init_from=str(start))
    best = fit(fer_folder, tmp_path / "run", config, photos_path=photo_folder)
    model = Predictor.load(best).model
    assert "match_training_blur" not in [layer.name for layer in model.layers]  # sharp faces stay sharp
    assert json.loads((tmp_path / "run" / "training.json").read_text())["config"]["sharp_faces"] is True

    card = evaluate(fer_folder, best, tmp_path / "evaluation", photos_path=photo_folder)
    held_out = sum(is_held_out_photo(path) for path in photo_folder.rglob("*.jpg"))
    assert card["metrics"]["photos_held_out"]["images"] == held_out
    assert 0 < card["metrics"]["photos_held_out"]["face_found"] <= 1
    assert "select half" in card["data"]


def test_copy_weights_matches_layers_by_name_and_shape(tmp_path):
    source = build_model(widths=(4, 8), convs_per_stage=1, blur_sigma=2.5)
    source.save(tmp_path / "source.keras")
    target = build_model(widths=(4, 8), convs_per_stage=1)
    assert copy_weights(tmp_path / "source.keras", target) == 5  # 2 convs, 2 batch norms, the dense layer
    assert np.array_equal(target.get_layer("probabilities").get_weights()[0],
                          source.get_layer("probabilities").get_weights()[0])
    wider = build_model(widths=(4, 16), convs_per_stage=1)
    assert copy_weights(tmp_path / "source.keras", wider) == 2  # only the first stage's shapes match


def test_choose_alpha_takes_the_most_accurate_and_the_smallest_on_a_tie():
    prior = np.array([0.7, 0.1, 0.1, 0.05, 0.02, 0.02, 0.01])
    labels = np.arange(70) % 7
    leaning = np.full((70, 7), 0.05)
    leaning[np.arange(70), labels] = 0.3
    leaning[:, 0] = 0.4  # a model leaning to the frequent class: plain argmax says 0 for every face
    leaning /= leaning.sum(axis=1, keepdims=True)
    alpha, accuracy = choose_alpha(leaning, labels, prior)
    assert accuracy[0.0] == pytest.approx(1 / 7)
    assert alpha > 0 and accuracy[alpha] == 1.0
    assert alpha == min(a for a, value in accuracy.items() if value == 1.0)
    balanced = np.eye(7)[labels] * 0.9 + 0.1 / 7
    assert choose_alpha(balanced, labels, prior)[0] == 0.0  # nothing to gain: no adjustment


def test_adjusted_model_serves_the_shifted_logits_and_its_card_says_so(fer_folder, tmp_path):
    build_model(widths=(4, 8), convs_per_stage=1).save(tmp_path / "best.keras")
    faces = load_fer2013(fer_folder)["private_test"].faces
    before = Predictor.load(tmp_path / "best.keras").classify(faces)
    record = adjust(fer_folder, tmp_path / "best.keras", tmp_path / "adjusted.keras")
    shift = -record["alpha"] * np.log(class_prior(load_fer2013(fer_folder)["train"].labels))
    expected = np.exp(np.log(before) + shift)
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(Predictor.load(tmp_path / "adjusted.keras").classify(faces), expected, atol=1e-4)
    card = evaluate(fer_folder, tmp_path / "adjusted.keras", tmp_path / "evaluation")
    assert card["logit_adjustment"]["alpha"] == record["alpha"]
    assert set(card["logit_adjustment"]["select_half_accuracy_by_alpha"]) == {"0.0", "0.25", "0.5", "0.75", "1.0"}


def test_folding_a_shift_into_the_output_bias_moves_the_logits():
    model = build_model(widths=(4, 8), convs_per_stage=1)
    faces = synthetic_faces(7, 3)[0][..., None].astype(np.float32)
    before = model.predict(faces, verbose=0)
    shift = np.linspace(-1, 1, 7)
    fold_into_bias(model, shift)
    after = model.predict(faces, verbose=0)
    assert np.allclose(np.log(after) - np.log(before) - shift, (np.log(after) - np.log(before) - shift)[:, :1],
                       atol=1e-4)  # equal up to the softmax's per-face constant
    assert not np.allclose(after, before)
