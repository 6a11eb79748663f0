"""train.distil: each head blended with the teacher's, in the student's precision."""

import json

import keras
import numpy as np
import pytest

from emotion.layers import FerVgg
from tests.synthetic import synthetic_faces
from train.config import FitConfig
from train.data import load_folder
from train.distil import Distiller, in_precision
from train.ensemble import combine
from train.evaluate import evaluate
from train.fit import fit, losses_for, targets_of
from train.model import fold_batch_norm


@pytest.mark.slow
def test_distillation_blends_each_head_with_the_teacher(fer_folder, tmp_path):
    train = load_folder(fer_folder)["train"]
    uniform = np.full((len(train), 7), 1 / 7, np.float32)
    own = targets_of(train, ("ferplus", "fer2013"))
    blended = targets_of(train, ("ferplus", "fer2013"), {"ferplus": uniform, "fer2013": uniform}, 0.25)
    for head in ("ferplus", "fer2013"):
        assert np.allclose(blended[head], 0.75 * own[head] + 0.25 / 7)
    FerVgg(widths=(4, 8), convs_per_stage=1).save(tmp_path / "teacher.keras")
    config = FitConfig(
        epochs=1, batch_size=16, widths=(4, 8), convs_per_stage=1, teacher=str(tmp_path / "teacher.keras")
    )
    student = fit(fer_folder, tmp_path / "student", config)
    assert json.loads((tmp_path / "student" / "training.json").read_text())["config"]["teacher"] == config.teacher
    assert "distilled from an ensemble" in evaluate(fer_folder, student, tmp_path / "evaluation")["data"]


@pytest.mark.slow
def test_consistent_teaching_blends_each_head_with_the_teacher_on_the_same_augmented_faces(fer_folder, tmp_path):
    heads = ("ferplus", "fer2013")
    student, teacher = FerVgg(widths=(4, 8), convs_per_stage=1), FerVgg(widths=(4, 8), convs_per_stage=1)
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
    members = [FerVgg(widths=(4, 8), convs_per_stage=1), fold_batch_norm(FerVgg(widths=(4, 8)))]
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
