"""Keras on any backend: nothing in emotion/ or train/ imports TensorFlow; a tiny fit, evaluate and export on
JAX; a model trained on JAX serves on TensorFlow with the same outputs; the pack and the lease recipe."""

import ast
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

from emotion import Classifier, Predictor
from train.data import Split, load_fer2013, load_folder, load_photo_faces
from train.model import build_model, fold_batch_norm
from train.pack import check_pack, write_pack

ROOT = Path(__file__).resolve().parent.parent
needs_jax = pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")


# As on the lent GPU machine, where TensorFlow is not installed: importing it fails (Keras then does without).
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
    result = subprocess.run([sys.executable, "-c", WITHOUT_TENSORFLOW + script, *arguments], cwd=ROOT,
                            capture_output=True, text=True, env=os.environ | {"KERAS_BACKEND": backend}, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_no_module_of_emotion_or_train_imports_tensorflow():
    for path in [*(ROOT / "emotion").glob("*.py"), *(ROOT / "train").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not [name for name in names if name.split(".")[0] == "tensorflow"], path


@pytest.fixture(scope="session")
def pack_path(fer_folder: Path, photo_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pack") / "pack.npz"
    write_pack(fer_folder, photo_folder, path)
    return path


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
from train.export import export
from train.fit import FitConfig, fit
data, out = Path(sys.argv[1]), Path(sys.argv[2])
config = FitConfig(epochs=2, batch_size=16, widths=(4, 8), convs_per_stage=1, erasing=0.5,
                   precision="mixed_bfloat16")  # as the lease trains on a GPU
teacher = keras.saving.load_model(fit(data, out / "teacher", config), compile=False)
combine([teacher], flips=True).save(out / "ensemble.keras")  # an ensemble teacher, as the lease's
config.teacher = str(out / "ensemble.keras")
config.consistent_teaching = True  # the teacher in the training step, in bfloat16
card = evaluate(data, fit(data, out / "run", config), out / "evaluation")
assert export(out / "evaluation", out / "assets")
faces = load_fer2013(data)["private_test"].faces
np.save(out / "probabilities.npy", Classifier.load(out / "assets" / "model.keras").classify(faces))
print(json.dumps({"backend": keras.backend.backend(), "selection": card["selection"]["score"]}))
"""


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


LEASE = """
import sys
from pathlib import Path
from train.lease import LeaseConfig, lease
config = LeaseConfig(teacher_widths=((4, 8), (8, 8)), teacher_epochs=2, students=(("student", sys.argv[4]),
                                                                                   ("fast", (4,))),
                     ensemble_candidates=(sys.argv[4],), student_epochs=2,
                     batch_size=16, precision="float32", loader_threads=2, loader_processes=1, minutes=5,
                     photo_like_teachers=(1,))
lease(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), config)
"""


@needs_jax
def test_the_lease_recipe_runs_on_jax_and_its_models_serve_here(pack_path, fer_folder, tmp_path, astronaut):
    out = tmp_path / "out"
    shipped = tmp_path / "shipped.keras"  # the student continues a folded model, as the lease does the shipped one
    fold_batch_norm(build_model(widths=(4, 4))).save(shipped)
    on_backend("jax", LEASE, str(pack_path), str(out), str(tmp_path / "work"), str(shipped))
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["models"]) == {"teacher0", "teacher1", "ensemble", "student", "fast"}
    assert summary["single"] in ("teacher0", "teacher1") and summary["seconds"]["total"] > 0
    assert summary["epochs_trained"] == {"teacher0": 2, "teacher1": 2, "student": 2, "fast": 2}
    assert not (out / "single").exists()  # the fallback gives way to the students (8 files at most)
    assert summary["finished"] == "all"
    assert [str(shipped)] in [tried["members"] for tried in summary["ensemble"]["public_test_tried"]]
    sent_back = [path for path in out.rglob("*") if path.is_file()]
    assert len(sent_back) <= 8 and all(path.stat().st_size <= 16 * 2**20 for path in sent_back)  # the device's limits
    assert max(len(path.relative_to(out).parts) for path in sent_back) <= 3  # at most two folders down
    assert [json.loads((tmp_path / "work" / teacher / "training.json").read_text())["config"]["photo_like"]
            for teacher in ("teacher0", "teacher1")] == [False, True]
    training = json.loads((out / "student" / "training.json").read_text())
    assert training["config"]["teacher"].endswith("ensemble/model.keras") and training["photos"] == str(pack_path)
    assert training["config"]["init_from"] == str(shipped)
    fast = json.loads((out / "fast" / "training.json").read_text())["config"]
    assert fast["consistent_teaching"] and training["config"]["consistent_teaching"]  # the lease's default
    assert fast["seed"] == training["config"]["seed"]  # they differ in their shape only
    assert Classifier.load(out / "fast" / "model.keras").model.count_params() < \
        Classifier.load(out / "student" / "model.keras").model.count_params()
    predictor = Predictor.load(out / "student" / "model.keras")  # served here, on TensorFlow
    assert len(predictor.predict(astronaut)) == 1
    private = load_fer2013(fer_folder)["private_test"]
    assert summary["models"]["student"]["ferplus_private_test"] == pytest.approx(
        (predictor.classify(private.faces).argmax(axis=1) == private.ferplus_labels)[private.ferplus_labels >= 0]
        .mean(), abs=1e-3)


def fake_training(fail_students: bool):
    """Stands in for train.lease.run_side_by_side: tiny, untrained models for every network, or a student's
    training that fails."""
    import keras

    def train(commands: list[list[str]], logs: list[Path]) -> None:
        for command in commands:
            if fail_students and "--teacher" in command:
                raise RuntimeError("training failed: the student ran out of memory")
            run = Path(command[command.index("--out") + 1])
            run.mkdir(parents=True)
            widths = tuple(int(w) for w in command[command.index("--widths") + 1].split(","))
            keras.utils.set_random_seed(len(widths))
            build_model(widths, 1).save(run / "best.keras")
            (run / "history.csv").write_text("epoch,loss\n0,1.0\n")
            (run / "training.json").write_text("{}")
    return train


def recorded_training(monkeypatch) -> list[list[str]]:
    """Stands in for train.lease.run_side_by_side with fake_training; returns the list that every command it
    is given is added to."""
    import train.lease

    commands: list[list[str]] = []
    train_fakes = fake_training(fail_students=False)

    def train_and_record(batch: list[list[str]], logs: list[Path]) -> None:
        commands.extend(batch)
        train_fakes(batch, logs)

    monkeypatch.setattr(train.lease, "run_side_by_side", train_and_record)
    return commands


def test_a_lease_stopped_part_way_still_sends_back_what_it_finished(pack_path, tmp_path, monkeypatch):
    """The teachers train; the student's training fails: the summary says how far the recipe came, and the best
    small teacher is there to evaluate and serve."""
    import train.lease

    monkeypatch.setattr(train.lease, "run_side_by_side", fake_training(fail_students=True))
    out = tmp_path / "out"
    config = train.lease.LeaseConfig(teacher_widths=((4, 8), (8, 8)), batch_size=16, precision="float32")
    with pytest.raises(RuntimeError, match="student"):
        train.lease.lease(pack_path, out, tmp_path / "work", config)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["finished"] == "ensemble" and set(summary["models"]) == {"teacher0", "teacher1", "ensemble"}
    assert summary["epochs_trained"] == {"teacher0": 1, "teacher1": 1} and "students" not in summary["seconds"]
    assert summary["single"] in ("teacher0", "teacher1")
    assert Classifier.load(out / "single" / "model.keras").heads == ("fer2013", "ferplus")


def test_the_best_small_teacher_comes_back_beside_one_student_within_the_devices_file_limit(pack_path, tmp_path,
                                                                                             monkeypatch):
    import train.lease

    monkeypatch.setattr(train.lease, "run_side_by_side", fake_training(fail_students=False))
    out = tmp_path / "out"
    config = train.lease.LeaseConfig(teacher_widths=((4, 8), (8, 8)), students=(("student", (4, 4)),),
                                     batch_size=16, precision="float32")
    summary = train.lease.lease(pack_path, out, tmp_path / "work", config)
    (out / "lease.log").write_text("what deploy/lease.sh writes beside the summary")
    assert summary["finished"] == "all" and (out / "student" / "model.keras").is_file()
    assert Classifier.load(out / "single" / "model.keras").heads == ("fer2013", "ferplus")
    sent_back = [path for path in out.rglob("*") if path.is_file()]
    assert len(sent_back) == train.lease.files_sent_back(config, single=True) <= train.lease.FILES_BACK


def test_a_second_run_trains_the_students_alone_from_the_first_runs_ensemble(pack_path, tmp_path, monkeypatch):
    import train.lease

    commands = recorded_training(monkeypatch)
    work = tmp_path / "work"
    config = train.lease.LeaseConfig(teacher_widths=((4, 8), (8, 8)), students=(("student", (4, 4)),),
                                     batch_size=16, precision="float32", minutes=4.0)
    with pytest.raises(FileNotFoundError, match="run the whole recipe first"):
        train.lease.lease(pack_path, tmp_path / "nothing", work, replace(config, students_only=True))
    assert not (tmp_path / "nothing").exists()

    first = train.lease.lease(pack_path, tmp_path / "first", work, config)
    commands.clear()
    alone = replace(config, students=(("wide", (4, 8)),), students_only=True)
    second = train.lease.lease(pack_path, tmp_path / "second", work, alone)
    [command] = commands  # no teacher trained again
    assert command[command.index("--teacher") + 1] == str(work / "ensemble" / "model.keras")
    assert command[command.index("--out") + 1] == str(work / "students_only" / "wide")
    assert float(command[command.index("--time-limit-minutes") + 1]) == pytest.approx(  # the teachers' share too
        config.minutes * (config.teacher_share + config.student_share), abs=0.01)
    assert second["ensemble"] == first["ensemble"] and set(second["models"]) == {"wide"}
    assert Classifier.load(tmp_path / "second" / "wide" / "model.keras").heads == ("fer2013", "ferplus")


def test_a_student_given_a_model_continues_it_in_its_own_shape(pack_path, tmp_path, monkeypatch):
    """A student named with a model (the shipped one, by default) starts from it; one named with widths starts
    from scratch."""
    import train.lease

    commands = recorded_training(monkeypatch)
    shipped = tmp_path / "shipped.keras"
    fold_batch_norm(build_model(widths=(4, 8, 8))).save(shipped)
    config = train.lease.LeaseConfig(teacher_widths=((4, 8),), students=(("student", str(shipped)), ("wide", (4, 16))),
                                     batch_size=16, precision="float32")
    summary = train.lease.lease(pack_path, tmp_path / "out", tmp_path / "work", config)
    continued, wide = commands[-2:]
    assert continued[continued.index("--init-from") + 1] == str(shipped)
    assert continued[continued.index("--widths") + 1] == "4,8,8"  # read from the model
    assert "--init-from" not in wide and wide[wide.index("--widths") + 1] == "4,16"
    assert set(summary["models"]) >= {"student", "wide"}


def test_the_shipped_model_competes_beside_the_teachers_for_the_ensemble(pack_path, tmp_path, monkeypatch):
    """A carried model is a candidate like a teacher: PublicTest scores it alone, and the summary keeps every
    score the greedy choice tried."""
    import train.lease

    recorded_training(monkeypatch)
    shipped = tmp_path / "shipped.keras"
    fold_batch_norm(build_model(widths=(4, 8, 8))).save(shipped)
    config = train.lease.LeaseConfig(teacher_widths=((4, 8), (8, 8)), students=(("student", (4, 4)),),
                                     ensemble_candidates=(str(shipped),), batch_size=16, precision="float32")
    summary = train.lease.lease(pack_path, tmp_path / "out", tmp_path / "work", config)
    singles = [tried["members"] for tried in summary["ensemble"]["public_test_tried"] if len(tried["members"]) == 1]
    assert [str(shipped)] in singles and [str(tmp_path / "work" / "teacher0" / "best.keras")] in singles
    assert set(summary["ensemble"]["members"]) <= {member for [member] in singles}
    default = [ROOT / path for path in train.lease.LeaseConfig().ensemble_candidates]
    assert default == [ROOT / "assets" / "model.keras"] and default[0].is_file()


def test_students_are_named_with_widths_or_with_a_model_to_continue():
    from train.__main__ import students_of
    from train.lease import LeaseConfig, student_plan

    assert students_of("student=runs/lease/student/best.keras;wide=16,32,64,160,320") == (
        ("student", "runs/lease/student/best.keras"), ("wide", (16, 32, 64, 160, 320)))
    shipped = dict(LeaseConfig().students)["student"]  # by default the lease continues the shipped model
    widths, start = student_plan(shipped)
    assert start == ROOT / "assets" / "model.keras"
    assert build_model(widths, batch_norm=False).count_params() == Classifier.load(start).model.count_params()


@needs_jax
def test_a_folded_model_unfolds_on_jax():
    on_backend("jax", "from tests.test_train import "
                      "test_unfolding_batch_norm_gives_back_a_trainable_model_with_the_same_function as check\n"
                      "check()")


@needs_jax
def test_the_plans_learning_rate_is_the_one_jax_trains_with():
    """JAX keeps the optimizer's state outside its variables during an epoch: the plan must still reach it."""
    on_backend("jax", "from tests.test_train import test_the_plans_learning_rate_is_the_one_training_uses as check\n"
                      "check()")


@needs_jax
def test_the_lease_script_stops_at_once_where_jax_finds_no_gpu(tmp_path):
    """Minutes of a lent GPU must not go on training on its CPU: the script refuses before installing anything."""
    out = tmp_path / "out"
    result = subprocess.run(["bash", str(ROOT / "deploy" / "lease.sh"), "run", str(out)], capture_output=True,
                            text=True, timeout=120, env=os.environ | {"LEASE_ALLOW_CPU": ""})
    assert result.returncode != 0 and "JAX finds no GPU" in result.stderr and "LEASE_ALLOW_CPU=1" in result.stderr
    assert not out.exists()


def test_one_failed_training_stops_the_others_at_once(tmp_path):
    import time

    from train.lease import run_side_by_side

    sleeper = [sys.executable, "-c", "import time; time.sleep(120)"]
    failing = [sys.executable, "-c", "print('out of memory'); raise SystemExit(3)"]
    logs = [tmp_path / "a" / "log.txt", tmp_path / "b" / "log.txt"]
    started = time.time()
    with pytest.raises(RuntimeError, match="out of memory"):
        run_side_by_side([sleeper, failing], logs)
    assert time.time() - started < 30  # not the sleeper's 120 s
