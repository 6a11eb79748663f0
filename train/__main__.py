"""python -m train fit|adjust|ensemble|evaluate|pack|distil-recipe|export|litert: a thin command line over train."""

import argparse
import json
from pathlib import Path

import numpy as np

from emotion.limits import ASSETS
from train.adjust import CHOICES, adjust
from train.config import FitConfig
from train.data import fer2013_splits
from train.fit import fit
from train.litert import QUANTISATIONS, SHIPPED_MIRROR, SHIPPED_QUANTISATION, export_litert, representative_faces
from train.options import add_options, config_from
from train.recipe import RecipeConfig, run_recipe


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m train", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    fit_parser = commands.add_parser("fit", help="train a model on FER2013")
    fit_parser.add_argument("--data", type=Path, required=True, help="FER2013 folder, fer2013.csv or a pack")
    fit_parser.add_argument("--out", type=Path, default=Path("runs/latest"), help="checkpoints and logs")
    fit_parser.add_argument(
        "--photos", type=Path, default=None, help="labelled photo folder (or a pack): its training half joins Training"
    )
    fit_parser.add_argument("--resume", action="store_true", help="continue the unfinished run in --out")
    add_options(fit_parser, FitConfig)

    adjust_parser = commands.add_parser("adjust", help="logit adjustment for class priors, chosen on PublicTest")
    adjust_parser.add_argument("--data", type=Path, required=True)
    adjust_parser.add_argument("--model", type=Path, default=Path("runs/latest/best.keras"))
    adjust_parser.add_argument("--out", type=Path, default=None, help="default: <model's folder>/adjusted.keras")
    adjust_parser.add_argument("--head", default=None, help="the head to adjust (default: the served one)")
    adjust_parser.add_argument(
        "--choose-by", choices=CHOICES, default="accuracy", help="what alpha maximises on PublicTest"
    )

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
    pack_parser.add_argument("--out", type=Path, default=Path("build/recipe/pack.npz"))

    recipe_parser = commands.add_parser(
        "distil-recipe", help="the GPU recipe: teachers, their ensemble, distilled students"
    )
    recipe_parser.add_argument("--pack", type=Path, required=True, help="written by `python -m train pack`")
    recipe_parser.add_argument("--out", type=Path, required=True, help="the summary and the models to keep")
    recipe_parser.add_argument("--work", type=Path, default=Path("runs/recipe"), help="checkpoints and logs")
    add_options(recipe_parser, RecipeConfig)

    export_parser = commands.add_parser("export", help="ship an evaluated model if it beats the one in assets/")
    export_parser.add_argument("evaluation", type=Path, help="a folder written by `evaluate`")

    litert_parser = commands.add_parser("litert", help="export a Keras model to the served .tflite file")
    litert_parser.add_argument("--model", type=Path, default=ASSETS / "model.keras")
    litert_parser.add_argument("--out", type=Path, default=None, help="default: the model's path, as .tflite")
    litert_parser.add_argument("--quantisation", choices=QUANTISATIONS, default=SHIPPED_QUANTISATION)
    litert_parser.add_argument(
        "--mirror", action=argparse.BooleanOptionalAction, default=SHIPPED_MIRROR, help="average with the mirror view"
    )
    litert_parser.add_argument("--data", type=Path, default=None, help="FER2013: Training faces calibrate 'full'")
    litert_parser.add_argument("--faces", type=Path, default=None, help="or those faces, as a .npy file")
    arguments = parser.parse_args()

    if arguments.command == "fit":
        config = config_from(arguments, FitConfig)
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
            print(
                f"PublicTest score {tried['score']:.4f}: {' + '.join(tried['members'])}"
                + (" with flips" if tried["flips"] else "")
            )
        print(f"chose {record['members']}, flips {record['flips']}: {arguments.out} (and its .json)")
    elif arguments.command == "evaluate":
        from train.evaluate import evaluate

        out = arguments.out or arguments.model.parent / "evaluation"
        card = evaluate(arguments.data, arguments.model, out, arguments.photos)
        for split, metrics in card["metrics"].items():
            print(
                f"{split:>32}: accuracy {metrics['accuracy']:.2%}, macro recall {metrics['macro_recall']:.2%}"
                f" ({metrics['images']} images)"
            )
        print(f"mean KL(FER+ vote shares || served probabilities), PrivateTest: {card['ferplus_vote_kl_private_test']}")
        for labels, per_class in card["per_class_private_test"].items():
            for name, figures in per_class.items():
                print(
                    f"  PrivateTest {labels:>7} {name:>8}: precision {figures['precision']:.2f} "
                    f"recall {figures['recall']:.2f}"
                )
        print(f"model card, confusion matrix and curves in {out}")
    elif arguments.command == "distil-recipe":
        summary = run_recipe(arguments.pack, arguments.out, arguments.work, config_from(arguments, RecipeConfig))
        print(json.dumps(summary["models"], indent=2))
        print(f"seconds: {summary['seconds']}; ensemble {summary['ensemble']}; written to {arguments.out}")
    elif arguments.command == "pack":
        from train.data import write_pack

        summary = write_pack(arguments.data, arguments.photos, arguments.out)
        print(
            f"{summary.path}: {summary.megabytes:.1f} MiB, {summary.images:,} FER2013 images and "
            f"{summary.photo_faces} photo faces; checked equal to the folders"
        )
    elif arguments.command == "litert":
        out = arguments.out or arguments.model.with_suffix(".tflite")
        faces = np.load(arguments.faces) if arguments.faces else None
        if arguments.data is not None:
            faces = representative_faces(fer2013_splits(arguments.data)["train"].faces)
        export_litert(arguments.model, out, arguments.quantisation, faces, arguments.mirror)
        views = "the face and its mirror image" if arguments.mirror else "the face"
        print(f"{out}: {out.stat().st_size / 2**20:.1f} MiB, quantisation {arguments.quantisation}, views: {views}")
    else:
        from train.evaluate import export

        shipped = export(arguments.evaluation, ASSETS)
        print(
            "shipped to assets/ (model.keras and its served form, model.tflite)"
            if shipped
            else "not shipped: it does not beat assets/ on PublicTest"
        )


if __name__ == "__main__":
    main()
