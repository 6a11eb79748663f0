"""Layers inside models: the in-model blur (what serving needs for a blur-trained model) and the
training-only blur augmentation."""

import cv2
import numpy as np

from emotion import Predictor
from emotion.layers import GaussianBlur
from train.augment import BLUR_SIGMA_MAX, RandomBlur
from train.model import build_model


def test_gaussian_blur_layer_matches_opencv():
    faces = np.random.default_rng(0).integers(0, 256, (3, 48, 48)).astype(np.float32)
    blurred = np.asarray(GaussianBlur(2.5)(faces[..., None]))[..., 0]
    expected = np.stack([cv2.GaussianBlur(face, (0, 0), 2.5, borderType=cv2.BORDER_REFLECT) for face in faces])
    assert np.abs(blurred - expected).max() < 0.5  # of 0..255
    assert blurred.std() < faces.std() / 3


def test_a_model_with_its_blur_round_trips_through_the_predictor(tmp_path):
    path = tmp_path / "blurred.keras"
    build_model(widths=(4, 8), convs_per_stage=1, blur_sigma=2.5).save(path)
    predictor = Predictor.load(path)
    layer = predictor.model.get_layer("match_training_blur")
    assert isinstance(layer, GaussianBlur) and layer.sigma == 2.5 and not layer.trainable_weights
    noise = np.random.default_rng(1).integers(0, 256, (2, 48, 48), dtype=np.uint8)
    assert predictor.classify(noise).shape == (2, 7)
    assert "match_training_blur" not in [layer.name for layer in build_model(widths=(4, 8)).layers]


def test_random_blur_ranges_from_sharp_to_fully_blurred():
    face = np.random.default_rng(2).integers(0, 256, (1, 48, 48, 1)).astype(np.float32)
    batch = np.repeat(face, 256, axis=0)
    augmented = np.asarray(RandomBlur(seed=3)(batch, training=True))
    fully = np.asarray(GaussianBlur(BLUR_SIGMA_MAX)(face))
    detail = augmented.std(axis=(1, 2, 3))
    assert detail.min() >= fully.std() - 1e-3 and detail.max() <= face.std() + 1e-3
    assert detail.max() - detail.min() > 0.8 * (face.std() - fully.std())  # the whole range is used
    assert np.array_equal(np.asarray(RandomBlur(seed=3)(batch, training=False)), batch)
