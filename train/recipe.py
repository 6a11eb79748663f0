"""The GPU recipe, one command: teachers trained side by side, their ensemble chosen on PublicTest (the shipped
model a candidate beside them), the served-size networks distilled from it, every model evaluated.

    python -m train distil-recipe --pack build/recipe/pack.npz --out OUT
    python -m train distil-recipe --pack build/recipe/pack.npz --out OUT2 --students-only --students NAME=MODEL
                                    # then, on the same machine: students alone, longer, from that ensemble
                                    # (NAME=WIDTHS from scratch, NAME=MODEL.keras continuing that model)

Any backend and any machine: on a CPU it is the same recipe, only slower (lower the epochs). Every training stage
has a time limit, a share of `minutes`, so the whole keeps to it even where a GPU is slower than planned: a stage
that would not fit trains fewer epochs on a shorter cosine (train.callbacks.EpochPlan). Under --out it writes:
    summary.json                    each model's PublicTest and PrivateTest figures, sizes and stage timings
                                    (rewritten after every stage; "finished" names the last stage done)
    student/model.keras ...         each distilled student, folded, with its history and training record
    single/model.keras ...          the best teacher within the 10 MB model budget, folded, if one is
"""

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import keras

from emotion.label_sets import evaluations
from train.config import BEST_MODEL, HISTORY, FitConfig
from train.data import load_fer2013
from train.ensemble import build_ensemble
from train.evaluate import evaluate
from train.options import setting, to_argv


# The recipe's settings, in one block: `python -m train distil-recipe` offers each as an option, and the
# FitConfig it holds is what every network of the recipe trains with (docs/training.md has the measurements).
def shapes_of(text: str) -> tuple[tuple[int, ...], ...]:
    """--teacher-widths: shapes ';' between, widths ',' between."""
    return tuple(tuple(int(w) for w in shape.split(",")) for shape in text.split(";") if shape)


def students_of(text: str) -> tuple[tuple[str, tuple[int, ...] | str], ...]:
    """--students: each name=widths (from scratch) or name=path.keras (that model continued), ';' between."""
    students = []
    for name, shape in (student.split("=") for student in text.split(";") if student):
        students.append((name, shape if shape.endswith(".keras") else tuple(int(w) for w in shape.split(","))))
    return tuple(students)


def paths_of(text: str) -> tuple[str, ...]:
    return tuple(path for path in text.split(";") if path)


def recipe_training() -> FitConfig:
    """What every network of the recipe trains with, but for its shape, epochs, seed and teacher: SGD Nesterov on
    a cosine, random erasing, bfloat16, loader processes, no backup (docs/training.md has the measurements)."""
    return FitConfig(
        batch_size=256,
        optimizer="sgd",
        learning_rate=0.05,
        warmup_epochs=3,
        weight_decay=5e-4,
        dropout=0.3,
        erasing=0.5,
        precision="mixed_bfloat16",
        loader_processes=5,
        backup=False,
        teacher_weight=0.7,
        consistent_teaching=True,
    )


@dataclass
class RecipeConfig:
    teacher_widths: tuple[tuple[int, ...], ...] = setting(
        ((64, 128, 256, 512), (40, 80, 160, 320)),
        "the teachers' shapes, ';' between: '64,128,256,512;40,80,160,320'",
        parse=shapes_of,
    )
    teacher_epochs: int = setting(200, "at most, for each teacher (the stage's time limit decides)")
    photo_like_teachers: tuple[int, ...] = setting((), "teachers (by index) that also learn the photo-like changes")
    ensemble_candidates: tuple[str, ...] = setting(
        ("assets/model.keras",),
        "models that compete beside the teachers for the ensemble, ';' between, '' for none",
        parse=paths_of,
    )
    students: tuple[tuple[str, tuple[int, ...] | str], ...] = setting(
        (("student", "assets/model.keras"), ("wide", (16, 32, 64, 160, 320))),
        "name=widths (from scratch) or name=model.keras (continued), ';' between",
        parse=students_of,
    )
    student_epochs: int = setting(200, "at most, for each student")
    minutes: float = setting(7.5, "for the whole recipe: the stages' time limits are shares of it")
    teacher_share: float = setting(0.4, "of the minutes, for the teachers")
    student_share: float = setting(0.45, "of the minutes, for the students")
    students_only: bool = setting(False, "a second run: the students alone, from the ensemble the first left in --work")
    training: FitConfig = setting(help="what every network trains with", factory=recipe_training)


ROOT = Path(__file__).resolve().parent.parent  # where `python -m train` finds the package
MODEL_BUDGET_BYTES = 10 * 2**20  # the app's model files, in all


def student_plan(shape: tuple[int, ...] | str) -> tuple[tuple[int, ...], Path | None]:
    """A student's widths, and the model it continues (None: it trains from scratch)."""
    if isinstance(shape, str):
        start = ROOT / shape
        return keras.saving.load_model(start, compile=False).get_config()["widths"], start
    return shape, None


def fit_command(pack: Path, out: Path, config: FitConfig) -> list[str]:
    """`python -m train fit` for one network of the recipe, with the pack as its data and photos."""
    return [
        sys.executable,
        "-m",
        "train",
        "fit",
        "--data",
        str(pack),
        "--photos",
        str(pack),
        "--out",
        str(out),
        *to_argv(config),
    ]


def teacher_config(config: RecipeConfig, index: int, widths: tuple[int, ...]) -> FitConfig:
    return replace(
        config.training,
        widths=widths,
        epochs=config.teacher_epochs,
        seed=1000 + index,
        teacher="",
        consistent_teaching=False,
        photo_like=index in config.photo_like_teachers,
        time_limit_minutes=round(config.minutes * config.teacher_share, 2),
    )


def student_config(
    config: RecipeConfig, widths: tuple[int, ...], start: Path | None, teacher: Path, minutes: float
) -> FitConfig:
    """One seed for every student: they see the same batches, so they differ in their shape (and start) only."""
    return replace(
        config.training,
        widths=widths,
        epochs=config.student_epochs,
        seed=2000,
        teacher=str(teacher),
        init_from=str(start or ""),
        time_limit_minutes=round(minutes, 2),
    )


def run_side_by_side(commands: list[list[str]], logs: list[Path]) -> None:
    """Start every command at once, each printing to its own log. If one fails, stop the others at once and
    raise with its log's end: the time is better spent on a rerun than on the survivors."""
    # JAX takes 75% of a GPU's memory at its first use unless told otherwise: these processes (and the
    # recipe's own, which evaluates afterwards) share one GPU.
    env = os.environ | {"XLA_PYTHON_CLIENT_PREALLOCATE": "false", "PYTHONUNBUFFERED": "1"}
    processes = []
    for command, log in zip(commands, logs, strict=True):
        log.parent.mkdir(parents=True, exist_ok=True)
        processes.append(subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env, cwd=ROOT))
    while True:
        codes = [process.poll() for process in processes]
        failed = [log for code, log in zip(codes, logs, strict=True) if code not in (None, 0)]
        if failed:
            for process in processes:
                process.kill()
                process.wait()
            raise RuntimeError("training failed:\n" + "\n".join(f"{log}:\n{log.read_text()[-3000:]}" for log in failed))
        if all(code == 0 for code in codes):
            break
        time.sleep(1)
    for log in logs:  # the epoch lines say how fast this machine trained; the logs themselves stay behind
        epochs = [line for line in log.read_text().splitlines() if "ms/step" in line or "time limit" in line]
        print(f"{log.parent.name}: {len(epochs)} epochs; first {epochs[:1]}; last {epochs[-2:]}", flush=True)


def figures(card: dict) -> dict:
    """The card's figures the summary keeps."""
    metrics = card["metrics"]
    return {
        "selection_score": card["selection"]["score"],
        "parameters": card["parameters"],
        "model_file_bytes": card["model_file_bytes"],
        "ferplus_vote_kl_private_test": card["ferplus_vote_kl_private_test"],
    } | {
        f"{evaluation.name}_private_test": metrics[f"{evaluation.name}_private_test"]["accuracy"]
        for _, evaluation in evaluations()
    }


def ensemble_choice(record: dict) -> dict:
    """What the summary keeps of train.ensemble's record: the members, the flips, and every PublicTest score
    the greedy choice tried (so a run says what each candidate added)."""
    return {key: record[key] for key in ("members", "flips", "public_test_tried")}


def epochs_in(run_dir: Path) -> int:
    """How many epochs a run's history.csv records."""
    return len((run_dir / HISTORY).read_text().splitlines()) - 1


def keep(run_dir: Path, evaluation_dir: Path, destination: Path) -> None:
    """The folded model beside its run's history and training record, for `train evaluate --photos` later."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(evaluation_dir / "model.keras", destination / "model.keras")
    for name in (HISTORY, "training.json"):
        if (run_dir / name).is_file():
            shutil.copyfile(run_dir / name, destination / name)


def train_teachers(
    config: RecipeConfig,
    pack: Path,
    work: Path,
    out: Path,
    data: dict,
    summary: dict,
    stage_done: Callable[[str], None],
) -> list[Path]:
    """The teachers, side by side, then each evaluated; the best one within the model budget is kept under
    out/single at once. Returns the teachers' run folders."""
    teacher_dirs = [work / f"teacher{index}" for index in range(len(config.teacher_widths))]
    run_side_by_side(
        [
            fit_command(pack, run, teacher_config(config, index, widths))
            for index, (run, widths) in enumerate(zip(teacher_dirs, config.teacher_widths, strict=True))
        ],
        [run / "log.txt" for run in teacher_dirs],
    )
    summary["epochs_trained"] |= {run.name: epochs_in(run) for run in teacher_dirs}
    stage_done("teachers")

    cards = {run.name: evaluate(data, run / BEST_MODEL, run / "evaluation") for run in teacher_dirs}
    small_teachers = [run for run in teacher_dirs if cards[run.name]["model_file_bytes"] <= MODEL_BUDGET_BYTES]
    single = max(small_teachers, key=lambda run: cards[run.name]["selection"]["score"], default=None)
    if single is not None:
        keep(single, single / "evaluation", out / "single")
    summary["single"] = single.name if single else None
    summary["models"] |= {name: figures(card) for name, card in cards.items()}
    stage_done("teacher evaluation")
    return teacher_dirs


def run_recipe(pack: Path, out: Path, work: Path, config: RecipeConfig) -> dict:
    """The whole recipe; returns the summary it writes to out/summary.json. The summary is rewritten after
    every stage and the best small teacher is kept as soon as it is evaluated, so a run stopped part-way
    (a time limit, a failed stage) still leaves what it finished."""
    started = time.time()
    ensemble_path = work / "ensemble" / "model.keras"
    if config.students_only and not ensemble_path.is_file():
        raise FileNotFoundError(
            f"students_only needs the ensemble an earlier run left in {ensemble_path.parent}, "
            "and there is none: run the whole recipe first"
        )
    out.mkdir(parents=True, exist_ok=True)
    summary: dict = {"config": asdict(config), "models": {}, "epochs_trained": {}, "seconds": {}}

    def stage_done(stage: str) -> None:
        summary["seconds"][stage] = round(time.time() - started - sum(summary["seconds"].values()), 1)
        (out / "summary.json").write_text(json.dumps(summary | {"finished": stage}, indent=2))

    data = load_fer2013(pack)  # read once for every evaluation and the ensemble (3.6 s a read on 2 cores)
    if config.students_only:
        record = json.loads(ensemble_path.with_suffix(".json").read_text())
        summary["ensemble"] = ensemble_choice(record)
        student_minutes = config.minutes * (config.teacher_share + config.student_share)
    else:
        teacher_dirs = train_teachers(config, pack, work, out, data, summary, stage_done)
        candidates = [run / BEST_MODEL for run in teacher_dirs] + [ROOT / path for path in config.ensemble_candidates]
        record = build_ensemble(data, candidates, ensemble_path)
        summary["ensemble"] = ensemble_choice(record)
        summary["models"]["ensemble"] = figures(evaluate(data, ensemble_path, ensemble_path.parent / "evaluation"))
        stage_done("ensemble")
        student_minutes = config.minutes * config.student_share

    students_dir = work / "students_only" if config.students_only else work  # a first run's students stay
    student_dirs = {name: students_dir / name for name, _ in config.students}
    plans = {name: student_plan(shape) for name, shape in config.students}
    run_side_by_side(
        [
            fit_command(pack, student_dirs[name], student_config(config, widths, start, ensemble_path, student_minutes))
            for name, (widths, start) in plans.items()
        ],
        [run / "log.txt" for run in student_dirs.values()],
    )
    for name, run in student_dirs.items():
        summary["epochs_trained"][name] = epochs_in(run)
        summary["models"][name] = figures(evaluate(data, run / BEST_MODEL, run / "evaluation"))
        keep(run, run / "evaluation", out / name)
    stage_done("students")
    summary["seconds"]["total"] = round(time.time() - started, 1)
    (out / "summary.json").write_text(json.dumps(summary | {"finished": "all"}, indent=2))
    return summary | {"finished": "all"}
