"""The GPU lease recipe, one command: teachers trained side by side, their ensemble chosen on PublicTest (the
shipped model a candidate beside them), the served-size network distilled from it, every model evaluated; what
comes back is small enough to travel.

    python -m train lease --pack lease/pack.npz --out "$OUT"        # deploy/lease.sh runs it on a lent GPU
    python -m train lease --pack lease/pack.npz --out "$OUT" --students-only --students NAME=MODEL --minutes M
                                    # then, on the same machine: one student alone, longer, from that ensemble
                                    # (NAME=WIDTHS from scratch, NAME=MODEL.keras continuing that model)

Any backend and any machine: on a CPU it is the same recipe, only slower (lower the epochs). Every training stage has
a time limit, so the whole stays within `minutes` even where a GPU is slower than planned: a stage that would
not fit trains fewer epochs on a shorter cosine (train.fit.EpochPlan). What it writes under --out:
    summary.json                    each model's PublicTest and PrivateTest figures, sizes and stage timings
                                    (rewritten after every stage; "finished" names the last stage done)
    student/model.keras ...         each distilled student, folded (and its history and training record)
    single/model.keras ...          the best teacher that fits the 10 MB model budget, folded, if one does: it
                                    gives way to the students where all would be more than FILES_BACK files
"""

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import keras

from emotion.label_sets import evaluations
from train.data import load_fer2013
from train.ensemble import build_ensemble
from train.evaluate import evaluate
from train.fit import BEST_MODEL, HISTORY
from train.model import widths_of

ROOT = Path(__file__).resolve().parent.parent  # where `python -m train` finds the package
MODEL_BUDGET_BYTES = 10 * 2**20  # the app's model files, in all (issue: <= 10 MB)
FILES_BACK = 8  # a device command sends back at most this many files


@dataclass
class LeaseConfig:
    # Teachers: larger than the served network, different shapes and seeds, trained at once on one GPU. On the
    # H200 (2026-11-26) the ensemble chose 64-128-256-512 and 40-80-160-320 and left out the third teacher
    # (README "Training on a GPU").
    teacher_widths: tuple[tuple[int, ...], ...] = ((64, 128, 256, 512), (40, 80, 160, 320))
    # At most this many epochs; each stage's time limit decides how many fit (train.fit.EpochPlan): on the
    # H100 the two side by side, with loader processes, managed 154 and 160 in 3.5 minutes (0.9-1.1 s an
    # epoch after the first), so about 135 in the 3 minutes they now have.
    teacher_epochs: int = 200
    # Models carried with the code (paths from the repository's root) that compete beside the teachers for a
    # place in the ensemble; PublicTest's greedy choice (train.ensemble) takes one only where it raises the
    # score. The shipped student was distilled from the last lease's ensemble, so the knowledge of earlier
    # leases' teachers, which cannot travel themselves (64 MiB), can reach the next ensemble through it. On
    # the H100's figures it would rank second: PublicTest score 0.7701 against the teachers' 0.7795 and 0.7664.
    ensemble_candidates: tuple[str, ...] = ("assets/model.keras",)
    # Teachers (by index) that also learn from train.augment's photo-like changes. The one that did on the
    # H200 was the weakest (FER+ PrivateTest 83.0% against 84.1% for the same shape without), so none now.
    photo_like_teachers: tuple[int, ...] = ()
    # The students, distilled side by side, each (name, widths) or (name, model). Widths train a network from
    # scratch, two convolutions a stage. A .keras model (a path from the repository's root) is continued in
    # its own shape, on a new cosine from the same peak learning rate, which beat lower peaks in CPU probes
    # (README "Continuing a student"): the shipped model travels with the code, so each lease adds to the
    # last one's student instead of starting over (train.fit.start_from unfolds it). The shipped shape,
    # 16-32-64-128-256, classifies 1.35-1.62x as many faces a second as the `fer` package on 2 CPU cores;
    # `wide` widens its last two stages, whose maps are 6x6 and 3x3, for 1.5x the parameters (7.2 MB) at
    # 1.40x fer, untrained (README "Choosing the students"): the lease measures what that width buys. Side by
    # side on the H100 a student's epoch took 1.0-1.2 s, alone 0.94 s.
    students: tuple[tuple[str, tuple[int, ...] | str], ...] = (("student", "assets/model.keras"),
                                                               ("wide", (16, 32, 64, 160, 320)))
    # The students ask the ensemble about each augmented batch (fit --consistent-teaching) instead of once
    # about the original faces: on the H100 (one seed, the same batches) that led by 0.8 points of PublicTest
    # score at 80-90 epochs (README "Training on a GPU"). False: taught once (train lease --teach-once).
    consistent_teaching: bool = True
    student_epochs: int = 200  # at most, as the teachers'
    teacher_weight: float = 0.7  # of the ensemble's probabilities in the student's targets
    # The recipe measured on an H200 (../shared/notes/gpu-lease.md): SGD Nesterov, cosine, random erasing;
    # plus train.augment's rotations, zooms and shifts.
    batch_size: int = 256
    optimizer: str = "sgd"
    peak_learning_rate: float = 0.05
    warmup_epochs: int = 3
    weight_decay: float = 5e-4
    dropout: float = 0.3
    erasing: float = 0.5
    precision: str = "mixed_bfloat16"  # "float32" on a CPU
    loader_threads: int = 4  # per training process
    # Loader processes per training process (train.loader): on the H200 every network, 0.3 M parameters or
    # 4.7 M, took 15-23 ms a step with thread loaders, about one process's thread rate; with 5 processes the
    # students' epochs took 1.2 s instead of 2.1, the teachers' 1.6-1.9 s instead of 2.4-2.6.
    loader_processes: int = 5
    # The whole recipe, about: the stages' limits are shares of it; start-up, compiling (about 25 s a process),
    # the ensemble and the evaluations take the rest (111 s on the H100, whose recipe took 447 s at 7 minutes,
    # so about 500 s at 7.5). A device command may run 10 minutes. Both stages gain from time: teacher0's
    # PublicTest score was 0.768 at 69 epochs (H200) and 0.780 at 153 (H100), the consistently taught
    # student's 0.755 at 80 epochs and 0.770 at 248 (H100).
    minutes: float = 7.5
    teacher_share: float = 0.4
    student_share: float = 0.45
    # A second command on the same machine: the students alone, from the ensemble the first left in --work,
    # with the teachers' share of `minutes` too. On the H100 a student alone for 4.4 minutes, after the
    # recipe, is what ships (README "Training on a GPU").
    students_only: bool = False


def student_plan(shape: tuple[int, ...] | str) -> tuple[tuple[int, ...], Path | None]:
    """A student's widths, and the model it continues (None: it trains from scratch)."""
    if isinstance(shape, str):
        start = ROOT / shape
        return widths_of(keras.saving.load_model(start, compile=False)), start
    return shape, None


def fit_command(config: LeaseConfig, pack: Path, out: Path, widths: tuple[int, ...], epochs: int, seed: int,
                minutes: float, teacher: Path | None = None, photo_like: bool = False,
                consistent_teaching: bool = False, start: Path | None = None) -> list[str]:
    """`python -m train fit` for one network of the recipe, from `start` where one is given."""
    command = [sys.executable, "-m", "train", "fit", "--data", str(pack), "--photos", str(pack), "--out", str(out),
               "--epochs", str(epochs), "--widths", ",".join(map(str, widths)), "--seed", str(seed),
               "--batch-size", str(config.batch_size), "--optimizer", config.optimizer,
               "--learning-rate", str(config.peak_learning_rate), "--weight-decay", str(config.weight_decay),
               "--dropout", str(config.dropout), "--erasing", str(config.erasing), "--precision", config.precision,
               "--loader-threads", str(config.loader_threads), "--loader-processes", str(config.loader_processes),
               "--time-limit-minutes", f"{minutes:.2f}",
               "--warmup-epochs", str(config.warmup_epochs), "--no-backup"]  # a lent machine does not come back
    if teacher is not None:
        command += ["--teacher", str(teacher), "--teacher-weight", str(config.teacher_weight)]
    if start is not None:
        command += ["--init-from", str(start)]
    if photo_like:
        command.append("--photo-like")
    if consistent_teaching:
        command.append("--consistent-teaching")
    return command


def run_side_by_side(commands: list[list[str]], logs: list[Path]) -> None:
    """Start every command at once, each printing to its own log. If one fails, stop the others at once and
    raise with its log's end: a lease's minutes are better spent on a rerun than on the survivors."""
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
            raise RuntimeError("training failed:\n" + "\n".join(f"{log}:\n{log.read_text()[-3000:]}"
                                                                 for log in failed))
        if all(code == 0 for code in codes):
            break
        time.sleep(1)
    for log in logs:  # the epoch lines say how fast this machine trained; the logs themselves stay behind
        epochs = [line for line in log.read_text().splitlines() if "ms/step" in line or "time limit" in line]
        print(f"{log.parent.name}: {len(epochs)} epochs; first {epochs[:1]}; last {epochs[-2:]}", flush=True)


def figures(card: dict) -> dict:
    """The card's figures the summary keeps."""
    metrics = card["metrics"]
    return {"selection_score": card["selection"]["score"], "parameters": card["parameters"],
            "model_file_bytes": card["model_file_bytes"],
            "ferplus_vote_kl_private_test": card["ferplus_vote_kl_private_test"]} | {
        f"{evaluation.name}_private_test": metrics[f"{evaluation.name}_private_test"]["accuracy"]
        for _, evaluation in evaluations()}


def ensemble_choice(record: dict) -> dict:
    """What the summary keeps of train.ensemble's record: the members, the flips, and every PublicTest score
    the greedy choice tried (so a lease says what each candidate added)."""
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


def files_sent_back(config: LeaseConfig, single: bool) -> int:
    """How many files the recipe leaves under --out: the summary, the log deploy/lease.sh writes, and three
    for each model kept (keep())."""
    return 2 + 3 * (len(config.students) + single)


def train_teachers(config: LeaseConfig, pack: Path, work: Path, out: Path, data: dict, summary: dict,
                   stage_done: Callable[[str], None]) -> list[Path]:
    """The teachers, side by side, then each evaluated; the best one within the model budget is kept under
    out/single at once. Returns the teachers' run folders."""
    teacher_dirs = [work / f"teacher{index}" for index in range(len(config.teacher_widths))]
    run_side_by_side([fit_command(config, pack, run, widths, config.teacher_epochs, 1000 + index,
                                  config.minutes * config.teacher_share,
                                  photo_like=index in config.photo_like_teachers)
                      for index, (run, widths) in enumerate(zip(teacher_dirs, config.teacher_widths, strict=True))],
                     [run / "log.txt" for run in teacher_dirs])
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


def lease(pack: Path, out: Path, work: Path, config: LeaseConfig) -> dict:
    """The whole recipe; returns the summary it writes to out/summary.json. The summary is rewritten after
    every stage and the best small teacher is kept as soon as it is evaluated, so a run stopped part-way
    (a device command's time limit, a failed stage) still sends back what it finished."""
    started = time.time()
    ensemble_path = work / "ensemble" / "model.keras"
    if config.students_only and not ensemble_path.is_file():
        raise FileNotFoundError(f"students_only needs the ensemble an earlier run left in {ensemble_path.parent}, "
                                "and there is none: run the whole recipe first")
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
    # One seed for every student: they see the same batches, so they differ in their shape (and start) only.
    run_side_by_side([fit_command(config, pack, student_dirs[name], widths, config.student_epochs, 2000,
                                  student_minutes, teacher=ensemble_path,
                                  consistent_teaching=config.consistent_teaching, start=start)
                      for name, (widths, start) in plans.items()],
                     [run / "log.txt" for run in student_dirs.values()])
    for name, run in student_dirs.items():
        summary["epochs_trained"][name] = epochs_in(run)
        summary["models"][name] = figures(evaluate(data, run / BEST_MODEL, run / "evaluation"))
        keep(run, run / "evaluation", out / name)
    if files_sent_back(config, single=True) > FILES_BACK:  # the students come first; its figures stay in the summary
        shutil.rmtree(out / "single", ignore_errors=True)
    stage_done("students")
    summary["seconds"]["total"] = round(time.time() - started, 1)
    (out / "summary.json").write_text(json.dumps(summary | {"finished": "all"}, indent=2))
    return summary | {"finished": "all"}
