"""train.callbacks: the learning-rate plan, the time limit, and callbacks that let Keras run ahead."""

import csv

import keras
import numpy as np
import pytest

from emotion.layers import FerVgg
from tests.synthetic import synthetic_faces
from train.batches import FaceBatches
from train.callbacks import EpochPlan, training_callbacks
from train.config import FitConfig
from train.fit import fit


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
    model = FerVgg((4, 8), 1, 0.0, ("fer2013",))
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


def test_training_callbacks_leave_keras_free_to_dispatch_steps_asynchronously(fer_folder, tmp_path):
    """Keras waits for every step's results when a callback has batch hooks and is not marked async-safe."""
    plan, model = EpochPlan(0.1, 1, 2), FerVgg((4,), 1)
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
