"""train.fit: one short fit, resumed, evaluated and exported; photos trained on; weights copied by name."""

import json

import numpy as np
import pytest

from emotion import Predictor
from emotion.layers import FerVgg
from train.config import FitConfig
from train.data import is_held_out_photo, load_folder
from train.evaluate import evaluate, export
from train.fit import copy_weights, fit


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
    FerVgg(widths=(4, 8), convs_per_stage=1).save(start)
    config = FitConfig(epochs=1, batch_size=16, widths=(4, 8), convs_per_stage=1, photo_repeats=2, init_from=str(start))
    best = fit(fer_folder, tmp_path / "run", config, photos_path=photo_folder)
    assert json.loads((tmp_path / "run" / "training.json").read_text())["photos"] == str(photo_folder)

    card = evaluate(fer_folder, best, tmp_path / "evaluation", photos_path=photo_folder)
    held_out = sum(is_held_out_photo(path) for path in photo_folder.rglob("*.jpg"))
    assert card["metrics"]["photos_held_out"]["images"] == held_out
    assert 0 < card["metrics"]["photos_held_out"]["face_found"] <= 1
    assert "photos-dev was also trained on" in card["data"] and "distilled" not in card["data"]


def test_copy_weights_matches_layers_by_name_and_shape():
    source = FerVgg(widths=(4, 8), convs_per_stage=1)
    target = FerVgg(widths=(4, 8), convs_per_stage=1)
    assert copy_weights(source, target) == 6  # 2 convs, 2 batch norms, the two heads
    assert np.array_equal(target.get_layer("ferplus").get_weights()[0], source.get_layer("ferplus").get_weights()[0])
    wider = FerVgg(widths=(4, 16), convs_per_stage=1)
    assert copy_weights(source, wider) == 2  # only the first stage's shapes match
