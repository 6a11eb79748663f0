"""The fer package's photo pipeline as harness.fer_package rebuilds it (with OpenCV's copy of the same Haar cascade)."""

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from emotion import CLASSES
from harness.fer_package import FerPackagePipeline
from tests.helpers import ASTRONAUT_FACE
from train.data import is_held_out_photo, labelled_photos
from train.metrics import held_out_photos

CASCADE = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"


class RecordingClassifier:
    """Says "surprise" for every crop and keeps what it was given."""

    def __init__(self):
        self.batches: list[np.ndarray] = []

    def __call__(self, faces: np.ndarray) -> np.ndarray:
        self.batches.append(faces)
        return np.tile(np.eye(len(CLASSES))[CLASSES.index("surprise")], (len(faces), 1))


def test_fer_pipeline_finds_the_face_and_classifies_its_64_pixel_crop(astronaut):
    classifier = RecordingClassifier()
    faces = FerPackagePipeline(classifier, CASCADE).predict(Image.fromarray(astronaut))
    assert len(faces) == 1 and faces[0].label == "surprise"
    x, y, width, height = faces[0].box
    left, top, right, bottom = ASTRONAUT_FACE
    assert left <= x + width / 2 <= right and top <= y + height / 2 <= bottom
    assert classifier.batches[0].shape == (1, 64, 64) and classifier.batches[0].dtype == np.uint8


def test_fer_pipeline_returns_no_face_without_classifying(no_face):
    classifier = RecordingClassifier()
    assert FerPackagePipeline(classifier, CASCADE).predict(Image.fromarray(no_face)) == []
    assert classifier.batches == []


def test_fer_pipeline_puts_the_largest_face_first(two_faces):
    faces = FerPackagePipeline(RecordingClassifier(), CASCADE).predict(Image.fromarray(two_faces))
    areas = [face.box[2] * face.box[3] for face in faces]
    assert len(faces) >= 2 and areas == sorted(areas, reverse=True)


def test_photo_halves_split_the_folder_by_file_name(photo_folder):
    photos = [path for path, _ in labelled_photos(photo_folder)]
    held_out = [path for path in photos if is_held_out_photo(path)]
    training = [path for path in photos if not is_held_out_photo(path)]
    assert held_out and training and not set(held_out) & set(training)
    assert sorted(held_out + training) == sorted(photos)
    assert [path for path, _ in held_out_photos(photo_folder)] == held_out  # what the benchmarks report on
