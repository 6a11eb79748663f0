"""How a detector box becomes the model's 48x48 crop: margin and eye alignment, scored on real photos.

    python -m bench.framing ../shared/photos-dev [--model PATH] [--margins 0,0.05,0.1,0.15,0.2,0.25]

Each photo's faces are detected once (the app's detector); the largest face is then cropped with every
setting and classified by the app's Predictor. Settings are compared on the photos training may use
(the half train.data.is_held_out_photo leaves out of the held-out set): choose there, and read the
held-out half as the report. Accuracy and macro recall over photos with a face.
"""

import argparse
from pathlib import Path

import numpy as np

from emotion.images import open_image, to_rgb_array
from emotion.predictor import Predictor
from emotion.preprocess import ALIGN_EYES, FACE_MARGIN, prepare_face
from train.data import is_held_out_photo, labelled_photos
from train.metrics import score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument(
        "--margins", type=lambda text: [float(m) for m in text.split(",")], default=[0.0, 0.05, 0.1, 0.15, 0.2, 0.25]
    )
    arguments = parser.parse_args()

    predictor = Predictor.load(arguments.model)
    photos, detections, held_out, labels = [], [], [], []
    for path, label in labelled_photos(arguments.folder):
        rgb = to_rgb_array(open_image(path))
        found = predictor.detector.detect(rgb)
        if found:
            photos.append(rgb)
            detections.append(found[0])
            held_out.append(is_held_out_photo(path))
            labels.append(label)
    held_out, labels = np.array(held_out), np.array(labels)
    print(
        f"{len(photos)} photos with a face: {(~held_out).sum()} to choose on, {held_out.sum()} held out; "
        f"shipped: margin {FACE_MARGIN}, align {ALIGN_EYES}\n"
    )
    print(
        "| margin | eyes levelled | choose-on half: accuracy | macro recall | held-out half: accuracy | macro recall |"
    )
    print("|---|---|---|---|---|---|")
    for align in (False, True):
        for margin in arguments.margins:
            crops = np.stack(
                [
                    prepare_face(rgb, d.box, d.landmarks, margin=margin, align=align)
                    for rgb, d in zip(photos, detections, strict=True)
                ]
            )
            predicted = predictor.classify(crops).argmax(axis=1)
            choose = score(labels[~held_out], predicted[~held_out])
            report = score(labels[held_out], predicted[held_out])
            print(
                f"| {margin:.2f} | {'yes' if align else 'no'} | {choose.accuracy:.1%} | {choose.macro_recall:.1%} "
                f"| {report.accuracy:.1%} | {report.macro_recall:.1%} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
