"""The served form: a Keras model exported to a TensorFlow Lite file, which the app runs on LiteRT
(emotion.litert) without TensorFlow. Keras' own LiteRT export (TensorFlow backend) writes one signature whose
input is the model's `face` and whose outputs are its heads by name.

    python -m train litert                                   # assets/model.keras -> assets/model.tflite
    python -m train litert --model M.keras --out M.tflite --quantisation none --no-mirror

`quantisation`: "none" keeps float32; "dynamic" stores the weights as int8 (activations stay float);
"full" makes weights and activations int8, calibrated on a representative set of Training faces (float input
and output at the edges). `mirror` averages each face's probabilities with its mirror image's, inside the file
(train.ensemble.combine). What ships (SHIPPED) was chosen by `python -m bench.served_accuracy`: docs/model.md has
what each form costs in accuracy and gains in speed. The model card beside the file says what it serves.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np

from emotion.litert import INPUT
from train.ensemble import combine
from train.model import fold_batch_norm

QUANTISATIONS = ("none", "dynamic", "full")
# What `python -m train export` ships: int8 weights moved no accuracy by more than 0.3 points, and the mirror view
# gained 0.7-1.5 points on PrivateTest (docs/model.md).
SHIPPED_QUANTISATION = "dynamic"
SHIPPED_MIRROR = True
REPRESENTATIVE_FACES = 500  # Training faces that calibrate full-integer quantisation


def export_litert(
    model_path: Path,
    out_path: Path,
    quantisation: str = "none",
    representative: np.ndarray | None = None,
    mirror: bool = False,
) -> Path:
    """Write `model_path`'s model (BatchNorm folded, as served; with its mirror view if `mirror`) to `out_path`
    as a .tflite file, and say in the model card beside it, if there is one, what it serves. On another Keras
    backend than TensorFlow (JAX, as the GPU recipe trains), the export runs in a TensorFlow process."""
    if quantisation not in QUANTISATIONS:
        raise ValueError(f"quantisation must be one of {QUANTISATIONS}, not {quantisation!r}")
    if quantisation == "full" and representative is None:
        raise ValueError("full-integer quantisation needs representative faces (uint8, (N, 48, 48))")
    if keras.backend.backend() != "tensorflow":
        return export_in_tensorflow(model_path, out_path, quantisation, representative, mirror)
    import tensorflow as tf

    model = keras.saving.load_model(model_path, compile=False)
    model = combine([model], flips=True) if mirror else fold_batch_norm(model)
    options = {}
    if quantisation != "none":
        options["optimizations"] = [tf.lite.Optimize.DEFAULT]
    if quantisation == "full":
        options["representative_dataset"] = lambda: (
            {INPUT: face[None, :, :, None].astype(np.float32)} for face in representative
        )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    model.export(str(out_path), format="litert", verbose=False, **options)
    card_path = out_path.with_name("model_card.json")
    if card_path.is_file():
        card = json.loads(card_path.read_text())
        card["served"] = served_form(out_path, quantisation, mirror)
        card_path.write_text(json.dumps(card, indent=2) + "\n")
    return out_path


def served_form(path: Path, quantisation: str, mirror: bool) -> dict:
    """What the served file is, for its model card (and the About panel that shows it)."""
    return {
        "file": path.name,
        "runtime": "LiteRT",
        "quantisation": quantisation,
        "views": ["face", "mirror image"] if mirror else ["face"],
        "file_bytes": path.stat().st_size,
    }


def export_in_tensorflow(
    model_path: Path, out_path: Path, quantisation: str, representative: np.ndarray | None, mirror: bool
) -> Path:
    """export_litert in a child Python whose Keras runs on TensorFlow."""
    arguments = ["--model", str(model_path), "--out", str(out_path), "--quantisation", quantisation]
    arguments += ["--mirror" if mirror else "--no-mirror"]
    if representative is not None:
        faces = out_path.with_suffix(".faces.npy")
        np.save(faces, representative)
        arguments += ["--faces", str(faces)]
    environment = os.environ | {"KERAS_BACKEND": "tensorflow"}
    try:
        subprocess.run([sys.executable, "-m", "train", "litert", *arguments], env=environment, check=True)
    finally:
        if representative is not None:
            faces.unlink(missing_ok=True)
    return out_path


def representative_faces(train_faces: np.ndarray, count: int = REPRESENTATIVE_FACES, seed: int = 0) -> np.ndarray:
    """`count` Training faces drawn at random: what full-integer quantisation calibrates its ranges on."""
    rng = np.random.default_rng(seed)
    return train_faces[rng.choice(len(train_faces), size=min(count, len(train_faces)), replace=False)]
