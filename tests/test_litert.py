"""The served form (emotion.litert, train.litert): an exported model answers as its Keras model does on every
head, serving imports no TensorFlow, Keras or JAX, and a .keras model where Keras is missing is refused with the
way to export it."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from emotion.classifier import Classifier
from emotion.contract import ContractMismatch
from emotion.layers import FerVgg
from emotion.litert import LiteRTModel
from tests.helpers import ROOT
from tests.synthetic import synthetic_faces
from train.litert import export_litert, representative_faces
from train.model import fold_batch_norm


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple:
    """A small network, folded as served, saved as .keras and exported to .tflite beside it."""
    folder = tmp_path_factory.mktemp("exported")
    model = fold_batch_norm(FerVgg(widths=(8, 16), convs_per_stage=1))
    model.save(folder / "model.keras")
    return folder / "model.keras", export_litert(folder / "model.keras", folder / "model.tflite")


def test_an_exported_model_gives_the_keras_probabilities_on_every_head(exported):
    keras_path, litert_path = exported
    faces = synthetic_faces(12, 5)[0]
    keras_heads = Classifier.load(keras_path).classify_heads(faces)
    served = Classifier.load(litert_path)
    assert isinstance(served.model, LiteRTModel) and served.heads == ("fer2013", "ferplus")
    litert_heads = served.classify_heads(faces)
    assert set(litert_heads) == set(keras_heads)
    for head, probabilities in keras_heads.items():
        assert np.allclose(litert_heads[head], probabilities, atol=1e-5), head
    assert served.classify(faces[:1]).shape == (1, 7) and served.classify([]).shape == (0, 7)


def test_int8_files_load_and_answer_distributions(exported, tmp_path):
    keras_path, _ = exported
    faces = synthetic_faces(12, 5)[0]
    for quantisation in ("dynamic", "full"):
        path = export_litert(keras_path, tmp_path / f"{quantisation}.tflite", quantisation, representative_faces(faces))
        probabilities = Classifier.load(path).classify(faces)
        assert probabilities.shape == (len(faces), 7) and np.allclose(probabilities.sum(axis=1), 1, atol=0.02)
    with pytest.raises(ValueError, match="representative faces"):
        export_litert(keras_path, tmp_path / "none.tflite", "full")


def test_the_card_beside_an_exported_file_is_checked_at_load(exported, tmp_path):
    _, litert_path = exported
    shutil.copyfile(litert_path, tmp_path / "model.tflite")
    card = json.loads((ROOT / "assets" / "model_card.json").read_text())
    card["contract"]["classes"] = card["contract"]["classes"][::-1]
    (tmp_path / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ContractMismatch, match="classes"):
        Classifier.load(tmp_path / "model.tflite")


def test_serving_the_shipped_model_loads_no_tensorflow_keras_or_jax():
    script = (
        "import sys\n"
        "from emotion import Predictor, open_image\n"
        "faces = Predictor.load().predict(open_image('assets/examples/astronaut.jpg'))\n"
        "assert faces and faces[0].label, faces\n"
        "print(sorted({'tensorflow', 'keras', 'jax'} & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
    assert result.stderr == ""  # no native start-up notice either


def test_a_keras_model_where_keras_is_missing_is_refused_with_the_way_to_export_it(exported):
    keras_path, _ = exported
    script = (
        "import sys\n"
        "class NoKeras:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('keras', 'tensorflow'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, NoKeras())\n"
        "from emotion.__main__ import main\n"
        f"sys.exit(main(['predict', '--model', {str(keras_path)!r}, 'assets/examples/astronaut.jpg']))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Keras is not installed" in result.stderr and "python -m train litert --model" in result.stderr
