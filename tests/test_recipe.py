"""The GPU recipe (python -m train distil-recipe): on JAX end to end with tiny networks, and its stages with the
training faked (tiny untrained models), so each choice it makes is checked in seconds."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import train.recipe
from emotion import Classifier, Predictor
from emotion.layers import FerVgg
from tests.test_backends import needs_jax, on_backend
from train.config import FitConfig
from train.data import load_fer2013
from train.model import fold_batch_norm
from train.recipe import RecipeConfig, recipe_training, run_recipe, run_side_by_side, student_plan, students_of

ROOT = Path(__file__).resolve().parent.parent
TINY = replace(recipe_training(), batch_size=16, precision="float32", loader_threads=2, loader_processes=1)

RECIPE = """
import sys
from dataclasses import replace
from pathlib import Path
from train.recipe import run_recipe
from train.recipe import RecipeConfig, recipe_training
training = replace(recipe_training(), batch_size=16, precision="float32", loader_threads=2, loader_processes=1)
config = RecipeConfig(teacher_widths=((4, 8), (8, 8)), teacher_epochs=2, students=(("student", sys.argv[4]),
                                                                                   ("fast", (4,))),
                      ensemble_candidates=(sys.argv[4],), student_epochs=2, minutes=5, photo_like_teachers=(1,),
                      training=training)
run_recipe(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), config)
"""


@pytest.mark.slow
@needs_jax
def test_the_recipe_runs_on_jax_and_its_models_serve_here(pack_path, fer_folder, tmp_path, astronaut):
    out = tmp_path / "out"
    shipped = tmp_path / "shipped.keras"  # the student continues a folded model, as the recipe does the shipped one
    fold_batch_norm(FerVgg(widths=(4, 4))).save(shipped)
    on_backend("jax", RECIPE, str(pack_path), str(out), str(tmp_path / "work"), str(shipped))
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["models"]) == {"teacher0", "teacher1", "ensemble", "student", "fast"}
    assert summary["single"] in ("teacher0", "teacher1") and summary["seconds"]["total"] > 0
    assert (out / "single" / "model.keras").is_file()
    assert summary["epochs_trained"] == {"teacher0": 2, "teacher1": 2, "student": 2, "fast": 2}
    assert summary["finished"] == "all"
    assert [str(shipped)] in [tried["members"] for tried in summary["ensemble"]["public_test_tried"]]
    assert [
        json.loads((tmp_path / "work" / teacher / "training.json").read_text())["config"]["photo_like"]
        for teacher in ("teacher0", "teacher1")
    ] == [False, True]
    training = json.loads((out / "student" / "training.json").read_text())
    assert training["config"]["teacher"].endswith("ensemble/model.keras") and training["photos"] == str(pack_path)
    assert training["config"]["init_from"] == str(shipped)
    fast = json.loads((out / "fast" / "training.json").read_text())["config"]
    assert fast["consistent_teaching"] and training["config"]["consistent_teaching"]  # the recipe's default
    assert fast["seed"] == training["config"]["seed"]  # they differ in their shape only
    assert (
        Classifier.load(out / "fast" / "model.keras").model.count_params()
        < Classifier.load(out / "student" / "model.keras").model.count_params()
    )
    predictor = Predictor.load(out / "student" / "model.keras")  # served here, on TensorFlow
    assert len(predictor.predict(astronaut)) == 1
    private = load_fer2013(fer_folder)["private_test"]
    assert summary["models"]["student"]["ferplus_private_test"] == pytest.approx(
        (predictor.classify(private.faces).argmax(axis=1) == private.ferplus_labels)[
            private.ferplus_labels >= 0
        ].mean(),
        abs=1e-3,
    )


def fake_training(fail_students: bool):
    """Stands in for train.recipe.run_side_by_side: tiny, untrained models for every network, or a student's
    training that fails."""
    import keras

    def train(commands: list[list[str]], logs: list[Path]) -> None:
        for command in commands:
            if fail_students and "--teacher" in command and command[command.index("--teacher") + 1]:
                raise RuntimeError("training failed: the student ran out of memory")
            run = Path(command[command.index("--out") + 1])
            run.mkdir(parents=True)
            widths = tuple(int(w) for w in command[command.index("--widths") + 1].split(","))
            keras.utils.set_random_seed(len(widths))
            FerVgg(widths, 1).save(run / "best.keras")
            (run / "history.csv").write_text("epoch,loss\n0,1.0\n")
            (run / "training.json").write_text("{}")

    return train


def recorded_training(monkeypatch) -> list[list[str]]:
    """Stands in for train.recipe.run_side_by_side with fake_training; returns the list that every command it
    is given is added to."""
    commands: list[list[str]] = []
    train_fakes = fake_training(fail_students=False)

    def train_and_record(batch: list[list[str]], logs: list[Path]) -> None:
        commands.extend(batch)
        train_fakes(batch, logs)

    monkeypatch.setattr(train.recipe, "run_side_by_side", train_and_record)
    return commands


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


@pytest.mark.slow
def test_a_recipe_stopped_part_way_still_leaves_what_it_finished(pack_path, tmp_path, monkeypatch):
    """The teachers train; the student's training fails: the summary says how far the recipe came, and the best
    small teacher is there to evaluate and serve."""
    monkeypatch.setattr(train.recipe, "run_side_by_side", fake_training(fail_students=True))
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="student"):
        run_recipe(pack_path, out, tmp_path / "work", RecipeConfig(teacher_widths=((4, 8), (8, 8)), training=TINY))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["finished"] == "ensemble" and set(summary["models"]) == {"teacher0", "teacher1", "ensemble"}
    assert summary["epochs_trained"] == {"teacher0": 1, "teacher1": 1} and "students" not in summary["seconds"]
    assert summary["single"] in ("teacher0", "teacher1")
    assert Classifier.load(out / "single" / "model.keras").heads == ("fer2013", "ferplus")


@pytest.mark.slow
def test_the_best_small_teacher_is_kept_beside_the_students(pack_path, tmp_path, monkeypatch):
    recorded_training(monkeypatch)
    out = tmp_path / "out"
    config = RecipeConfig(
        teacher_widths=((4, 8), (8, 8)), students=(("student", (4, 4)), ("wide", (4, 8))), training=TINY
    )
    summary = run_recipe(pack_path, out, tmp_path / "work", config)
    assert summary["finished"] == "all"
    assert all((out / name / "model.keras").is_file() for name in ("student", "wide", "single"))


def test_each_network_trains_with_the_recipes_one_training_config(pack_path, tmp_path, monkeypatch):
    """The fit command line is the recipe's FitConfig, with only the shape, epochs, seed, teacher and time
    limit set per network: a setting changed there reaches every network."""
    commands = recorded_training(monkeypatch)
    training = replace(TINY, weight_decay=3e-3, dropout=0.1)
    config = RecipeConfig(teacher_widths=((4, 8),), students=(("student", (4, 4)),), minutes=2.0, training=training)
    run_recipe(pack_path, tmp_path / "out", tmp_path / "work", config)
    teacher, student = commands
    for command in commands:
        assert option(command, "--weight-decay") == "0.003" and option(command, "--dropout") == "0.1"
        assert "--no-backup" in command and option(command, "--optimizer") == "sgd"
    assert option(teacher, "--teacher") == "" and "--no-consistent-teaching" in teacher
    assert option(student, "--teacher") == str(tmp_path / "work" / "ensemble" / "model.keras")
    assert "--consistent-teaching" in student
    assert float(option(teacher, "--time-limit-minutes")) == pytest.approx(2.0 * config.teacher_share, abs=0.01)


@pytest.mark.slow
def test_a_second_run_trains_the_students_alone_from_the_first_runs_ensemble(pack_path, tmp_path, monkeypatch):
    commands = recorded_training(monkeypatch)
    work = tmp_path / "work"
    config = RecipeConfig(teacher_widths=((4, 8), (8, 8)), students=(("student", (4, 4)),), minutes=4.0, training=TINY)
    with pytest.raises(FileNotFoundError, match="run the whole recipe first"):
        run_recipe(pack_path, tmp_path / "nothing", work, replace(config, students_only=True))
    assert not (tmp_path / "nothing").exists()

    first = run_recipe(pack_path, tmp_path / "first", work, config)
    commands.clear()
    alone = replace(config, students=(("wide", (4, 8)),), students_only=True)
    second = run_recipe(pack_path, tmp_path / "second", work, alone)
    [command] = commands  # no teacher trained again
    assert option(command, "--teacher") == str(work / "ensemble" / "model.keras")
    assert option(command, "--out") == str(work / "students_only" / "wide")
    assert float(option(command, "--time-limit-minutes")) == pytest.approx(  # the teachers' share too
        config.minutes * (config.teacher_share + config.student_share), abs=0.01
    )
    assert second["ensemble"] == first["ensemble"] and set(second["models"]) == {"wide"}
    assert Classifier.load(tmp_path / "second" / "wide" / "model.keras").heads == ("fer2013", "ferplus")


@pytest.mark.slow
def test_a_student_given_a_model_continues_it_in_its_own_shape(pack_path, tmp_path, monkeypatch):
    """A student named with a model (the shipped one, by default) starts from it; one named with widths starts
    from scratch."""
    commands = recorded_training(monkeypatch)
    shipped = tmp_path / "shipped.keras"
    fold_batch_norm(FerVgg(widths=(4, 8, 8))).save(shipped)
    config = RecipeConfig(
        teacher_widths=((4, 8),), students=(("student", str(shipped)), ("wide", (4, 16))), training=TINY
    )
    summary = run_recipe(pack_path, tmp_path / "out", tmp_path / "work", config)
    continued, wide = commands[-2:]
    assert option(continued, "--init-from") == str(shipped)
    assert option(continued, "--widths") == "4,8,8"  # read from the model
    assert option(wide, "--init-from") == "" and option(wide, "--widths") == "4,16"
    assert set(summary["models"]) >= {"student", "wide"}


@pytest.mark.slow
def test_the_shipped_model_competes_beside_the_teachers_for_the_ensemble(pack_path, tmp_path, monkeypatch):
    """A model kept with the code is a candidate like a teacher: PublicTest scores it alone, and the summary keeps
    every score the greedy choice tried."""
    recorded_training(monkeypatch)
    shipped = tmp_path / "shipped.keras"
    fold_batch_norm(FerVgg(widths=(4, 8, 8))).save(shipped)
    config = RecipeConfig(
        teacher_widths=((4, 8), (8, 8)),
        students=(("student", (4, 4)),),
        ensemble_candidates=(str(shipped),),
        training=TINY,
    )
    summary = run_recipe(pack_path, tmp_path / "out", tmp_path / "work", config)
    singles = [tried["members"] for tried in summary["ensemble"]["public_test_tried"] if len(tried["members"]) == 1]
    assert [str(shipped)] in singles and [str(tmp_path / "work" / "teacher0" / "best.keras")] in singles
    assert set(summary["ensemble"]["members"]) <= {member for [member] in singles}
    default = [ROOT / path for path in RecipeConfig().ensemble_candidates]
    assert default == [ROOT / "assets" / "model.keras"] and default[0].is_file()


def test_students_are_named_with_widths_or_with_a_model_to_continue():
    assert students_of("student=runs/recipe/student/best.keras;wide=16,32,64,160,320") == (
        ("student", "runs/recipe/student/best.keras"),
        ("wide", (16, 32, 64, 160, 320)),
    )
    shipped = dict(RecipeConfig().students)["student"]  # by default the recipe continues the shipped model
    widths, start = student_plan(shipped)
    assert start == ROOT / "assets" / "model.keras"
    assert FerVgg(widths, batch_norm=False).count_params() == Classifier.load(start).model.count_params()


def test_the_recipe_trains_with_settings_of_its_own_not_fits_defaults():
    assert RecipeConfig().training != FitConfig()
    assert RecipeConfig().training.optimizer == "sgd" and not RecipeConfig().training.backup


@needs_jax
def test_the_recipe_script_stops_at_once_where_jax_finds_no_gpu(tmp_path):
    """A GPU machine's time must not go on training on its CPU: the script refuses before installing anything."""
    out = tmp_path / "out"
    result = subprocess.run(
        ["bash", str(ROOT / "train" / "distil_recipe.sh"), "run", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"RECIPE_ALLOW_CPU": ""},
    )
    assert result.returncode != 0 and "JAX finds no GPU" in result.stderr and "RECIPE_ALLOW_CPU=1" in result.stderr
    assert not out.exists()


def test_one_failed_training_stops_the_others_at_once(tmp_path):
    import time

    sleeper = [sys.executable, "-c", "import time; time.sleep(120)"]
    failing = [sys.executable, "-c", "print('out of memory'); raise SystemExit(3)"]
    logs = [tmp_path / "a" / "log.txt", tmp_path / "b" / "log.txt"]
    started = time.time()
    with pytest.raises(RuntimeError, match="out of memory"):
        run_side_by_side([sleeper, failing], logs)
    assert time.time() - started < 30  # not the sleeper's 120 s
