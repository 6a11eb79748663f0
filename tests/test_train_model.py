"""train.model: the network's heads, BatchNorm folded and unfolded, and a run started from a folded model."""

import keras
import numpy as np
import pytest

from emotion import Predictor
from emotion.layers import FerVgg
from tests.synthetic import synthetic_faces
from train.fit import copy_weights, start_from
from train.model import fold_batch_norm, unfold_batch_norm


def test_model_has_a_head_per_label_set_and_serves_ferplus(tmp_path):
    FerVgg(widths=(4, 8), convs_per_stage=1).save(tmp_path / "model.keras")
    predictor = Predictor.load(tmp_path / "model.keras")
    assert set(predictor.heads) == {"ferplus", "fer2013"} and predictor.served_head == "ferplus"
    faces = synthetic_faces(7, 3)[0]
    served, fer2013 = predictor.classify(faces), predictor.classify(faces, head="fer2013")
    assert served.shape == fer2013.shape == (7, 7) and not np.allclose(served, fer2013)
    FerVgg(widths=(4, 8), convs_per_stage=1, heads=("fer2013",)).save(tmp_path / "one_head.keras")
    assert Predictor.load(tmp_path / "one_head.keras").served_head == "fer2013"
    with pytest.raises(ValueError, match="heads"):
        FerVgg(heads=("affectnet",))


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
    model = trained_looking(FerVgg(widths=(4, 8), convs_per_stage=2))
    faces = synthetic_faces(7, 3)[0][..., None].astype(np.float32)
    folded = fold_batch_norm(model)
    assert not any(layer.name.endswith("_bn") for layer in folded.layers)
    assert folded.count_params() < model.count_params()
    before, after = model.predict(faces, verbose=0), folded.predict(faces, verbose=0)
    for head in ("ferplus", "fer2013"):
        assert np.allclose(before[head], after[head], atol=1e-5)
    assert fold_batch_norm(folded) is folded


def test_unfolding_batch_norm_gives_back_a_trainable_model_with_the_same_function():
    folded = fold_batch_norm(trained_looking(FerVgg(widths=(4, 8), convs_per_stage=2, dropout=0.0)))
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
    folded = fold_batch_norm(trained_looking(FerVgg(widths=(4, 8), convs_per_stage=1)))
    folded.save(tmp_path / "shipped.keras")
    faces = synthetic_faces(16, 3)[0]
    start = start_from(tmp_path / "shipped.keras", faces, seed=0)
    model = FerVgg(widths=(4, 8), convs_per_stage=1)
    assert copy_weights(start, model) == 6  # every conv, BatchNorm and head: nothing starts from scratch
    for head in ("ferplus", "fer2013"):
        assert np.allclose(
            model.predict(faces[..., None], verbose=0)[head],
            folded.predict(faces[..., None], verbose=0)[head],
            atol=1e-5,
        )
