"""python -m train fit|adjust|ensemble|evaluate|pack|export: a thin command line over the train package."""

import argparse
import json
from pathlib import Path

from train.adjust import CHOICES, adjust
from train.fit import FitConfig, fit
from train.lease import LeaseConfig

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def students_of(text: str) -> tuple[tuple[str, tuple[int, ...] | str], ...]:
    """--students: each name=widths (from scratch) or name=path.keras (that model continued)."""
    students = []
    for name, shape in (student.split("=") for student in text.split(";")):
        students.append((name, shape if shape.endswith(".keras") else tuple(int(w) for w in shape.split(","))))
    return tuple(students)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m train", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    fit_parser = commands.add_parser("fit", help="train a model on FER2013")
    fit_parser.add_argument("--data", type=Path, required=True, help="FER2013 folder or fer2013.csv")
    fit_parser.add_argument("--out", type=Path, default=Path("runs/latest"), help="checkpoints and logs")
    fit_parser.add_argument("--epochs", type=int, default=FitConfig.epochs)
    fit_parser.add_argument("--optimizer", choices=("adamw", "sgd"), default=FitConfig.optimizer)
    fit_parser.add_argument("--learning-rate", type=float, default=FitConfig.peak_learning_rate)
    fit_parser.add_argument("--warmup-epochs", type=int, default=FitConfig.warmup_epochs)
    fit_parser.add_argument("--weight-decay", type=float, default=FitConfig.weight_decay)
    fit_parser.add_argument("--batch-size", type=int, default=FitConfig.batch_size)
    fit_parser.add_argument("--seed", type=int, default=FitConfig.seed)
    fit_parser.add_argument("--heads", type=lambda text: tuple(text.split(",")), default=FitConfig.heads,
                            help="label sets to learn, one head each: ferplus,fer2013 (the app serves ferplus)")
    fit_parser.add_argument("--photos", type=Path, default=None,
                            help="labelled photo folder: its training half joins Training")
    fit_parser.add_argument("--photo-repeats", type=int, default=FitConfig.photo_repeats)
    fit_parser.add_argument("--widths", type=lambda text: tuple(int(w) for w in text.split(",")),
                            default=FitConfig.widths, help="channels per stage, e.g. 24,48,96,192")
    fit_parser.add_argument("--dropout", type=float, default=FitConfig.dropout, help="before the heads")
    fit_parser.add_argument("--init-from", default=FitConfig.init_from, help="a .keras model to start from")
    fit_parser.add_argument("--teacher", default=FitConfig.teacher, help="a .keras model to distil (train.ensemble)")
    fit_parser.add_argument("--teacher-weight", type=float, default=FitConfig.teacher_weight)
    fit_parser.add_argument("--consistent-teaching", action="store_true",
                            help="ask the teacher about each augmented batch, not once about the original faces")
    fit_parser.add_argument("--erasing", type=float, default=FitConfig.erasing,
                            help="probability of random erasing per face")
    fit_parser.add_argument("--photo-like", action="store_true",
                            help="add the photo-like augmentation (turned heads, lighting, lost detail)")
    fit_parser.add_argument("--precision", choices=("float32", "mixed_bfloat16", "mixed_float16"),
                            default=FitConfig.precision, help="mixed_bfloat16 on a GPU")
    fit_parser.add_argument("--time-limit-minutes", type=float, default=FitConfig.time_limit_minutes,
                            help="stop after the epoch that passes this (0: none)")
    fit_parser.add_argument("--loader-threads", type=int, default=FitConfig.loader_threads,
                            help="threads that augment batches")
    fit_parser.add_argument("--loader-processes", type=int, default=FitConfig.loader_processes,
                            help="processes that augment batches (0: the threads do)")
    fit_parser.add_argument("--resume", action="store_true", help="continue the unfinished run in --out")
    fit_parser.add_argument("--no-backup", dest="backup", action="store_false",
                            help="keep no training state to --resume from (saves time each epoch)")

    adjust_parser = commands.add_parser("adjust", help="logit adjustment for class priors, chosen on PublicTest")
    adjust_parser.add_argument("--data", type=Path, required=True)
    adjust_parser.add_argument("--model", type=Path, default=Path("runs/latest/best.keras"))
    adjust_parser.add_argument("--out", type=Path, default=None, help="default: <model's folder>/adjusted.keras")
    adjust_parser.add_argument("--head", default=None, help="the head to adjust (default: the served one)")
    adjust_parser.add_argument("--choose-by", choices=CHOICES, default="accuracy",
                               help="what alpha maximises on PublicTest")

    ensemble_parser = commands.add_parser("ensemble", help="average models (and mirror images), chosen on PublicTest")
    ensemble_parser.add_argument("--data", type=Path, required=True)
    ensemble_parser.add_argument("--models", type=Path, nargs="+", required=True, help="candidate .keras models")
    ensemble_parser.add_argument("--out", type=Path, default=Path("runs/ensemble/model.keras"))

    evaluate_parser = commands.add_parser("evaluate", help="score a model on PublicTest and PrivateTest")
    evaluate_parser.add_argument("--data", type=Path, required=True)
    evaluate_parser.add_argument("--model", type=Path, default=Path("runs/latest/best.keras"))
    evaluate_parser.add_argument("--out", type=Path, default=None, help="default: <model's folder>/evaluation")
    evaluate_parser.add_argument("--photos", type=Path, default=None, help="labelled photos: scores the held-out half")

    pack_parser = commands.add_parser("pack", help="one file with the faces, labels and photo faces a run needs")
    pack_parser.add_argument("--data", type=Path, required=True, help="FER2013 folder (train/, test/, ferplus.csv)")
    pack_parser.add_argument("--photos", type=Path, default=None, help="labelled photo folder: its training half")
    pack_parser.add_argument("--out", type=Path, default=Path("lease/pack.npz"))

    lease_parser = commands.add_parser("lease", help="the GPU recipe: teachers, ensemble, distilled student")
    lease_parser.add_argument("--pack", type=Path, required=True, help="written by `python -m train pack`")
    lease_parser.add_argument("--out", type=Path, required=True, help="what comes back (summary, models)")
    lease_parser.add_argument("--work", type=Path, default=Path("runs/lease"), help="checkpoints and logs")
    lease_parser.add_argument("--teacher-widths", type=lambda text: tuple(tuple(int(w) for w in shape.split(","))
                                                                          for shape in text.split(";")),
                              default=LeaseConfig.teacher_widths, help="e.g. '64,128,256,512;40,80,160,320'")
    lease_parser.add_argument("--students", type=students_of, default=LeaseConfig.students,
                              help="name=widths or name=model.keras (continued), ';' between: "
                                   "'student=assets/model.keras;wide=16,32,64,160,320'")
    lease_parser.add_argument("--ensemble-candidates",
                              type=lambda text: tuple(path for path in text.split(";") if path),
                              default=LeaseConfig.ensemble_candidates,
                              help="models that compete beside the teachers for the ensemble, ';' between, '' for "
                                   "none (default: the shipped model)")
    lease_parser.add_argument("--teach-once", action="store_true",
                              help="ask the ensemble once about the original faces, not about each augmented batch")
    lease_parser.add_argument("--teacher-epochs", type=int, default=LeaseConfig.teacher_epochs)
    lease_parser.add_argument("--student-epochs", type=int, default=LeaseConfig.student_epochs)
    lease_parser.add_argument("--batch-size", type=int, default=LeaseConfig.batch_size)
    lease_parser.add_argument("--precision", default=LeaseConfig.precision)
    lease_parser.add_argument("--minutes", type=float, default=LeaseConfig.minutes, help="for the whole recipe")
    lease_parser.add_argument("--students-only", action="store_true",
                              help="a second run: the students alone, from the ensemble the first left in --work")

    export_parser = commands.add_parser("export", help="ship an evaluated model if it beats the one in assets/")
    export_parser.add_argument("evaluation", type=Path, help="a folder written by `evaluate`")
    arguments = parser.parse_args()

    if arguments.command == "fit":
        config = FitConfig(epochs=arguments.epochs, batch_size=arguments.batch_size, optimizer=arguments.optimizer,
                           peak_learning_rate=arguments.learning_rate, weight_decay=arguments.weight_decay,
                           warmup_epochs=arguments.warmup_epochs,
                           seed=arguments.seed,
                           heads=arguments.heads, photo_repeats=arguments.photo_repeats,
                           init_from=arguments.init_from, widths=arguments.widths,
                           dropout=arguments.dropout, teacher=arguments.teacher,
                           teacher_weight=arguments.teacher_weight,
                           consistent_teaching=arguments.consistent_teaching, erasing=arguments.erasing,
                           photo_like=arguments.photo_like,
                           precision=arguments.precision, time_limit_minutes=arguments.time_limit_minutes,
                           loader_threads=arguments.loader_threads, loader_processes=arguments.loader_processes,
                           backup=arguments.backup)
        best = fit(arguments.data, arguments.out, config, resume=arguments.resume, photos_path=arguments.photos)
        print(f"best model: {best}")
    elif arguments.command == "adjust":
        out = arguments.out or arguments.model.parent / "adjusted.keras"
        record = adjust(arguments.data, arguments.model, out, arguments.head, arguments.choose_by)
        print(f"{record['head']} head, PublicTest accuracy by alpha: {record['public_test_accuracy_by_alpha']}")
        print(f"macro recall by alpha: {record['public_test_macro_recall_by_alpha']}")
        print(f"alpha {record['alpha']}: {out} (and {out.with_suffix('.json').name})")
    elif arguments.command == "ensemble":
        from train.ensemble import build_ensemble

        record = build_ensemble(arguments.data, arguments.models, arguments.out)
        for tried in record["public_test_tried"]:
            print(f"PublicTest score {tried['score']:.4f}: {' + '.join(tried['members'])}"
                  + (" with flips" if tried["flips"] else ""))
        print(f"chose {record['members']}, flips {record['flips']}: {arguments.out} (and its .json)")
    elif arguments.command == "evaluate":
        from train.evaluate import evaluate

        out = arguments.out or arguments.model.parent / "evaluation"
        card = evaluate(arguments.data, arguments.model, out, arguments.photos)
        for split, metrics in card["metrics"].items():
            print(f"{split:>32}: accuracy {metrics['accuracy']:.2%}, macro recall {metrics['macro_recall']:.2%}"
                  f" ({metrics['images']} images)")
        print(f"mean KL(FER+ vote shares || served probabilities), PrivateTest: {card['ferplus_vote_kl_private_test']}")
        for labels, per_class in card["per_class_private_test"].items():
            for name, figures in per_class.items():
                print(f"  PrivateTest {labels:>7} {name:>8}: precision {figures['precision']:.2f} "
                      f"recall {figures['recall']:.2f}")
        print(f"model card, confusion matrix and curves in {out}")
    elif arguments.command == "lease":
        from train.lease import lease

        config = LeaseConfig(teacher_widths=arguments.teacher_widths, students=arguments.students,
                             ensemble_candidates=arguments.ensemble_candidates,
                             consistent_teaching=not arguments.teach_once,
                             teacher_epochs=arguments.teacher_epochs, student_epochs=arguments.student_epochs,
                             batch_size=arguments.batch_size, precision=arguments.precision,
                             minutes=arguments.minutes, students_only=arguments.students_only)
        summary = lease(arguments.pack, arguments.out, arguments.work, config)
        print(json.dumps(summary["models"], indent=2))
        print(f"seconds: {summary['seconds']}; ensemble {summary['ensemble']}; written to {arguments.out}")
    elif arguments.command == "pack":
        from train.pack import write_pack

        summary = write_pack(arguments.data, arguments.photos, arguments.out)
        print(f"{summary.path}: {summary.megabytes:.1f} MiB, {summary.images:,} FER2013 images and "
              f"{summary.photo_faces} photo faces; checked equal to the folders")
    else:
        from train.export import export

        shipped = export(arguments.evaluation, ASSETS)
        print("shipped to assets/" if shipped else "not shipped: it does not beat assets/ on PublicTest")


if __name__ == "__main__":
    main()
