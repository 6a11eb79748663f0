"""The GPU lease recipe, one command: teachers trained side by side, their ensemble chosen on PublicTest, the
served-size network distilled from it, every model evaluated; what comes back is small enough to travel.

    python -m train lease --pack lease/pack.npz --out "$OUT"        # deploy/lease.sh runs it on a lent GPU

Any backend and any machine: on a CPU it is the same recipe, only slower (lower the epochs). Every stage has
a time limit, so the whole stays within `minutes` even where a GPU is slower than planned; a stage cut short
keeps its best checkpoint. What it writes under --out:
    summary.json                    each model's PublicTest and PrivateTest figures, sizes and stage timings
    student/model.keras ...         the distilled served-size network, folded (and its history and training record)
    single/model.keras ...          the best teacher that fits the 10 MB model budget, folded, if one does
"""

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from emotion.label_sets import evaluations
from train.ensemble import build_ensemble
from train.evaluate import evaluate
from train.fit import FitConfig

ROOT = Path(__file__).resolve().parent.parent  # where `python -m train` finds the package
MODEL_BUDGET_BYTES = 10 * 2**20  # the app's model files, in all (issue: <= 10 MB)


@dataclass
class LeaseConfig:
    # Teachers: larger than the served network, different shapes and seeds, trained at once on one GPU.
    teacher_widths: tuple[tuple[int, ...], ...] = ((64, 128, 256, 512), (64, 128, 256, 512), (40, 80, 160, 320))
    teacher_epochs: int = 120
    # The student has the served network's shape (train.fit's defaults: the shipped model's CPU cost).
    student_widths: tuple[int, ...] = FitConfig.widths
    student_epochs: int = 150
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
    # The whole recipe, about: the stages' limits are shares of it; start-up, compiling (about 25 s a process
    # on an H200), the ensemble and the evaluations take the rest. A device command may run 10 minutes.
    minutes: float = 7.0
    teacher_share: float = 0.5
    student_share: float = 0.3


def fit_command(config: LeaseConfig, pack: Path, out: Path, widths: tuple[int, ...], epochs: int, seed: int,
                minutes: float, teacher: Path | None = None) -> list[str]:
    """`python -m train fit` for one network of the recipe."""
    command = [sys.executable, "-m", "train", "fit", "--data", str(pack), "--photos", str(pack), "--out", str(out),
               "--epochs", str(epochs), "--widths", ",".join(map(str, widths)), "--seed", str(seed),
               "--batch-size", str(config.batch_size), "--optimizer", config.optimizer,
               "--learning-rate", str(config.peak_learning_rate), "--weight-decay", str(config.weight_decay),
               "--dropout", str(config.dropout), "--erasing", str(config.erasing), "--precision", config.precision,
               "--loader-threads", str(config.loader_threads), "--time-limit-minutes", f"{minutes:.2f}",
               "--warmup-epochs", str(config.warmup_epochs)]
    if teacher is not None:
        command += ["--teacher", str(teacher), "--teacher-weight", str(config.teacher_weight)]
    return command


def run_side_by_side(commands: list[list[str]], logs: list[Path]) -> None:
    """Start every command at once, each printing to its own log; raise if any fails (its log's end shown)."""
    # JAX takes 75% of a GPU's memory at its first use unless told otherwise: these processes (and the
    # recipe's own, which evaluates afterwards) share one GPU.
    env = os.environ | {"XLA_PYTHON_CLIENT_PREALLOCATE": "false", "PYTHONUNBUFFERED": "1"}
    processes = []
    for command, log in zip(commands, logs, strict=True):
        log.parent.mkdir(parents=True, exist_ok=True)
        processes.append(subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env, cwd=ROOT))
    failed = [log for process, log in zip(processes, logs, strict=True) if process.wait() != 0]
    if failed:
        raise RuntimeError("training failed:\n" + "\n".join(f"{log}:\n{log.read_text()[-3000:]}" for log in failed))
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


def epochs_in(run_dir: Path) -> int:
    """How many epochs a run's history.csv records."""
    return len((run_dir / "history.csv").read_text().splitlines()) - 1


def keep(run_dir: Path, evaluation_dir: Path, destination: Path) -> None:
    """The folded model beside its run's history and training record, for `train evaluate --photos` later."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(evaluation_dir / "model.keras", destination / "model.keras")
    for name in ("history.csv", "training.json"):
        if (run_dir / name).is_file():
            shutil.copyfile(run_dir / name, destination / name)


def lease(pack: Path, out: Path, work: Path, config: LeaseConfig) -> dict:
    """The whole recipe; returns the summary it writes to out/summary.json."""
    started = time.time()
    timings: dict[str, float] = {}
    teacher_minutes, student_minutes = config.minutes * config.teacher_share, config.minutes * config.student_share

    teacher_dirs = [work / f"teacher{index}" for index in range(len(config.teacher_widths))]
    run_side_by_side([fit_command(config, pack, run, widths, config.teacher_epochs, 1000 + index, teacher_minutes)
                      for index, (run, widths) in enumerate(zip(teacher_dirs, config.teacher_widths, strict=True))],
                     [run / "log.txt" for run in teacher_dirs])
    timings["teachers"] = time.time() - started

    ensemble_path = work / "ensemble" / "model.keras"
    record = build_ensemble(pack, [run / "best.keras" for run in teacher_dirs], ensemble_path)
    timings["ensemble"] = time.time() - started - sum(timings.values())

    student_dir = work / "student"
    run_side_by_side([fit_command(config, pack, student_dir, config.student_widths, config.student_epochs, 2000,
                                  student_minutes, teacher=ensemble_path)], [student_dir / "log.txt"])
    timings["student"] = time.time() - started - sum(timings.values())

    cards = {name: evaluate(pack, path, path.parent / "evaluation") for name, path in
             [(run.name, run / "best.keras") for run in teacher_dirs + [student_dir]] + [("ensemble", ensemble_path)]}
    timings["evaluation"] = time.time() - started - sum(timings.values())

    out.mkdir(parents=True, exist_ok=True)
    keep(student_dir, student_dir / "evaluation", out / "student")
    small_teachers = [run for run in teacher_dirs if cards[run.name]["model_file_bytes"] <= MODEL_BUDGET_BYTES]
    single = max(small_teachers, key=lambda run: cards[run.name]["selection"]["score"], default=None)
    if single is not None:
        keep(single, single / "evaluation", out / "single")
    summary = {"config": asdict(config), "models": {name: figures(card) for name, card in cards.items()},
               "ensemble": {"members": record["members"], "flips": record["flips"]},
               "single": single.name if single else None,
               # fewer than planned: the stage's time limit stopped it (lower the epochs for this machine)
               "epochs_trained": {run.name: epochs_in(run) for run in teacher_dirs + [student_dir]},
               "seconds": {stage: round(seconds, 1) for stage, seconds in timings.items()}
               | {"total": round(time.time() - started, 1)}}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary
