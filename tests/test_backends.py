"""Keras on any backend: nothing in emotion/ or train/ imports TensorFlow; a tiny fit, evaluate and export on
JAX; a model trained on JAX serves on TensorFlow with the same outputs; the pack."""

import ast
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from emotion import Classifier
from train.data import Split, check_pack, load_fer2013, load_folder, load_photo_faces, write_pack

ROOT = Path(__file__).resolve().parent.parent
needs_jax = pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")


# As on a GPU machine with JAX and without TensorFlow: importing it fails (Keras then does without).
WITHOUT_TENSORFLOW = """
import sys
class NoTensorFlow:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "tensorflow":
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
sys.meta_path.insert(0, NoTensorFlow())
"""


def on_backend(backend: str, script: str, *arguments: str) -> str:
    """Run a Python script in a fresh process with KERAS_BACKEND=backend and no TensorFlow; its standard output."""
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_TENSORFLOW + script, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ | {"KERAS_BACKEND": backend},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_no_module_of_emotion_or_train_imports_tensorflow():
    """But train.litert, the export to TensorFlow's own LiteRT format, which runs in a TensorFlow process."""
    modules = [*(ROOT / "emotion").rglob("*.py"), *(ROOT / "train").glob("*.py")]
    for path in [path for path in modules if path != ROOT / "train" / "litert.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not [name for name in names if name.split(".")[0] == "tensorflow"], path


def test_the_pack_reads_back_as_the_folders(pack_path, fer_folder, photo_folder):
    folders, packed = load_folder(fer_folder), load_fer2013(pack_path)
    for name in ("train", "public_test", "private_test"):
        for field in fields(Split):
            assert np.array_equal(getattr(packed[name], field.name), getattr(folders[name], field.name))
    assert (packed["train"].votes.sum(axis=1) > 0).any()  # the votes travelled
    photos = load_photo_faces(pack_path)
    assert len(photos) > 0 and np.array_equal(photos.faces, load_photo_faces(photo_folder).faces)
    altered = load_folder(fer_folder)
    altered["train"].labels[0] = (altered["train"].labels[0] + 1) % 7
    with pytest.raises(ValueError, match="train.labels differs"):
        check_pack(pack_path, altered, photos)


def test_packing_something_else_than_the_folder_layout_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="folder layout"):
        write_pack(tmp_path, None, tmp_path / "pack.npz")


FIT_EVALUATE_EXPORT = """
import json, sys
from pathlib import Path
import keras, numpy as np
from emotion import Classifier
from train.data import load_fer2013
from train.ensemble import combine
from train.evaluate import evaluate
from train.evaluate import export
from train.config import FitConfig
from train.fit import fit
data, out = Path(sys.argv[1]), Path(sys.argv[2])
config = FitConfig(epochs=2, batch_size=16, widths=(4, 8), convs_per_stage=1, erasing=0.5,
                   precision="mixed_bfloat16")  # as the recipe trains on a GPU
teacher = keras.saving.load_model(fit(data, out / "teacher", config), compile=False)
combine([teacher], flips=True).save(out / "ensemble.keras")  # an ensemble teacher, as the recipe's
config.teacher = str(out / "ensemble.keras")
config.consistent_teaching = True  # the teacher in the training step, in bfloat16
card = evaluate(data, fit(data, out / "run", config), out / "evaluation")
assert export(out / "evaluation", out / "assets")
faces = load_fer2013(data)["private_test"].faces
np.save(out / "probabilities.npy", Classifier.load(out / "assets" / "model.keras").classify(faces))
print(json.dumps({"backend": keras.backend.backend(), "selection": card["selection"]["score"]}))
"""


@pytest.mark.slow
@needs_jax
def test_a_model_trained_on_jax_serves_on_tensorflow_with_the_same_outputs(fer_folder, tmp_path):
    report = json.loads(on_backend("jax", FIT_EVALUATE_EXPORT, str(fer_folder), str(tmp_path)).splitlines()[-1])
    assert report["backend"] == "jax"
    assert 0 <= report["selection"] <= 1
    served = Classifier.load(tmp_path / "assets" / "model.keras")  # this process: TensorFlow
    faces = load_fer2013(fer_folder)["private_test"].faces
    np.testing.assert_allclose(served.classify(faces), np.load(tmp_path / "probabilities.npy"), atol=1e-5)
    assert served.model_card["training"]["backend"] == "jax"
    assert {layer.dtype_policy.name for layer in served.model.layers} == {"float32"}  # served in float32 on a CPU


@pytest.mark.slow
@needs_jax
def test_a_folded_model_unfolds_on_jax():
    on_backend(
        "jax",
        "from tests.test_train_model import "
        "test_unfolding_batch_norm_gives_back_a_trainable_model_with_the_same_function as check\n"
        "check()",
    )


@pytest.mark.slow
@needs_jax
def test_the_plans_learning_rate_is_the_one_jax_trains_with():
    """JAX keeps the optimizer's state outside its variables during an epoch: the plan must still reach it."""
    on_backend(
        "jax",
        "from tests.test_train_callbacks import "
        "test_the_plans_learning_rate_is_the_one_training_uses as check\n"
        "check()",
    )
