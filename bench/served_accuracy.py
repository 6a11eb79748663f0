"""What each served form of a model costs in accuracy, paired on the same faces: the Keras model, its float32
.tflite file, int8 with dynamic range (weights) and full-integer (weights and activations, calibrated on Training
faces), each alone and averaged with the face's mirror image; and the shipped file (assets/model.tflite, whatever
form it serves: its card says).

    python -m bench.served_accuracy --data ../shared/fer2013 --photos ../shared/photos-dev [--model assets/model.keras]

Reported on PrivateTest (FER+ plurality with the ferplus head, FER2013's labels with the fer2013 head) and on the
held-out half of photos-dev (the largest face of each photo, detected once, so every form sees the same crops);
the mirror view is chosen on PublicTest and the photos' training half, which are printed too. Deltas are in
points against Keras; "same argmax" is the share of faces whose label does not change.
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np

from emotion.classifier import Classifier
from emotion.litert import LiteRTModel
from harness.machine import describe_machine
from train.data import fer2013_splits, load_photo_faces
from train.litert import export_litert, representative_faces


def heads_of(classifier: Classifier, faces: np.ndarray, mirror: bool) -> dict[str, np.ndarray]:
    """Every head's probabilities, averaged with the mirror image's when `mirror`."""
    plain = classifier.classify_heads(faces)
    if not mirror:
        return plain
    flipped = classifier.classify_heads(faces[:, :, ::-1])
    return {head: (plain[head] + flipped[head]) / 2 for head in plain}


def report(label: str, classifier: Classifier, mirror: bool, sets: dict, photos: dict, reference: dict | None) -> dict:
    """Print one form's accuracies and their deltas against `reference` (itself when None); its predictions."""
    results = {}
    for split_name, split in sets.items():
        heads = heads_of(classifier, split.faces, mirror)
        voted = split.ferplus_labels >= 0
        results[f"{split_name} FER+"] = (heads["ferplus"][voted].argmax(1), split.ferplus_labels[voted])
        results[f"{split_name} FER2013"] = (heads["fer2013"].argmax(1), split.labels)
    for half, (crops, labels) in photos.items():
        results[half] = (heads_of(classifier, crops, mirror)[classifier.served_head].argmax(1), labels)
    reference = reference or results
    cells = []
    for key, (predicted, labels) in results.items():
        accuracy = (predicted == labels).mean()
        delta = 100 * (accuracy - (reference[key][0] == labels).mean())
        same = (predicted == reference[key][0]).mean()
        cells.append(f"{key} {accuracy:.2%} ({delta:+.2f}, same argmax {same:.1%})")
    print(f"{label}:\n    " + "\n    ".join(cells))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--photos", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=Path("assets/model.keras"))
    arguments = parser.parse_args()
    print(describe_machine())
    splits = fer2013_splits(arguments.data)
    sets = {
        "PublicTest": splits["public_test"],
        "PrivateTest": splits["private_test"],
    }
    photos = {  # the largest face's crop of each photo with a face, detected once for every form
        half: (split.faces, split.labels)
        for half, split in (
            ("photos training half", load_photo_faces(arguments.photos)),
            ("photos held-out half", load_photo_faces(arguments.photos, held_out=True)),
        )
    }
    for half, (_, labels) in photos.items():
        print(f"{half}: {len(labels)} photos with a face")
    folder = Path(tempfile.mkdtemp(prefix="served-"))
    files = {
        "float32 file": export_litert(arguments.model, folder / "fp32.tflite"),
        "int8 dynamic range": export_litert(arguments.model, folder / "dynamic.tflite", "dynamic"),
        "int8 full integer": export_litert(
            arguments.model, folder / "full.tflite", "full", representative_faces(splits["train"].faces)
        ),
    }
    forms = {"Keras": Classifier.load(arguments.model)} | {
        name: Classifier(LiteRTModel(path)) for name, path in files.items()
    }
    shipped = Classifier.load()  # the served file, its mirror view inside when it has one
    for name, path in files.items():
        print(f"{name}: {path.stat().st_size / 2**20:.2f} MiB")
    reference = None
    for mirror in (False, True):
        for name, classifier in forms.items():
            results = report(name + (" + mirror" if mirror else ""), classifier, mirror, sets, photos, reference)
            reference = reference or results
    report("shipped file", shipped, False, sets, photos, reference)


if __name__ == "__main__":
    main()
