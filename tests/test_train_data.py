"""train.data: both FER2013 forms, the FER+ votes and their labels, the photo training half."""

import csv
from pathlib import Path

import numpy as np
import pytest

from emotion import CLASSES
from emotion.detector import FaceDetector
from emotion.preprocess import prepare_face
from tests.synthetic import synthetic_faces
from train.data import (
    CSV_CODE_TO_CLASS,
    is_held_out_photo,
    load_csv,
    load_fer2013,
    load_ferplus_votes,
    load_folder,
    load_photo_faces,
    majority_labels,
    vote_shares_and_plurality,
)
from train.fit import losses_for, targets_of


def test_folder_layout_splits_by_file_name_prefix(fer_folder):
    data = load_folder(fer_folder)
    assert {name: len(split) for name, split in data.items()} == {"train": 70, "public_test": 28, "private_test": 21}
    assert data["train"].faces.shape == (70, 48, 48) and data["train"].faces.dtype == np.uint8
    assert set(data["public_test"].labels) == set(range(7))


def test_csv_codes_are_mapped_to_project_order(tmp_path):
    faces, _ = synthetic_faces(7, 3)
    path = tmp_path / "fer2013.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["emotion", "pixels", "Usage"])
        for code, usage in zip(range(7), ["Training"] * 5 + ["PublicTest", "PrivateTest"], strict=True):
            writer.writerow([code, " ".join(map(str, faces[code].ravel())), usage])
    data = load_fer2013(tmp_path)  # a folder holding fer2013.csv works as well as the file
    assert [CLASSES[i] for i in data["train"].labels] == ["angry", "disgust", "fear", "happy", "sad"]
    assert CLASSES[data["public_test"].labels[0]] == "surprise"
    assert CLASSES[data["private_test"].labels[0]] == "neutral"
    assert np.array_equal(data["train"].faces[4], prepare_face(faces[4]))  # the shared preprocessing
    assert CSV_CODE_TO_CLASS[6] == "neutral"
    assert len(load_csv(path)["train"]) == 5


def test_votes_become_seven_class_shares_and_a_plurality():
    # columns: the seven classes in CLASSES order, then contempt, unknown, not-a-face
    counts = np.array(
        [
            [0, 0, 0, 7, 3, 0, 0, 0, 0, 0],  # happy
            [0, 0, 0, 0, 2, 0, 0, 6, 2, 0],  # contempt plurality: not scored, shares over the seven kept
            [0, 0, 0, 4, 4, 0, 0, 0, 2, 0],  # tie: not scored
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  # no votes
            [0, 0, 0, 0, 0, 0, 0, 0, 1, 9],  # only not-a-face and unknown: no shares
        ]
    )
    shares, plurality = vote_shares_and_plurality(counts)
    assert plurality.tolist() == [3, -1, -1, -1, -1]
    np.testing.assert_allclose(shares[0], [0, 0, 0, 0.7, 0.3, 0, 0])
    np.testing.assert_allclose(shares[1], [0, 0, 0, 0, 1, 0, 0])
    assert shares[3:].sum() == 0


def test_majority_labels_follow_the_ferplus_papers_rule():
    counts = np.array(
        [
            [0, 0, 0, 6, 4, 0, 0, 0, 0, 0],  # happy, 6 of 10: a majority
            [0, 0, 1, 5, 2, 1, 1, 0, 0, 0],  # single votes dropped: happy 5 of 7
            [0, 0, 0, 5, 3, 0, 0, 2, 0, 0],  # happy 5 of 10: a plurality, not a majority
            [0, 0, 0, 0, 0, 0, 0, 0, 8, 2],  # unknown: not one of the seven
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  # no votes
        ]
    )
    assert majority_labels(counts).tolist() == [3, 3, -1, -1, -1]
    assert vote_shares_and_plurality(counts)[1].tolist() == [3, 3, 3, -1, -1]  # the plurality keeps the third


def test_folder_votes_are_joined_by_file(fer_folder):
    votes = load_ferplus_votes(fer_folder / "ferplus.csv")
    assert "train/fear/Training_4.png" not in votes  # FER+ left it unnamed
    angry = votes["train/angry/Training_0.png"]  # columns in CLASSES order, then contempt, unknown, NF
    assert angry[CLASSES.index("angry")] == 7 and angry[CLASSES.index("neutral")] == 3 and angry.sum() == 10
    train = load_folder(fer_folder)["train"]
    unnamed = [index for index in range(70) if index % 5 == 4]
    scored = [index for index in range(70) if index % 5 != 4 and index % 7 != 6]
    assert (train.votes.sum(axis=1) == 0).sum() == len(unnamed)
    assert (train.ferplus_labels >= 0).sum() == len(scored)
    on_ferplus = train.ferplus_labels >= 0
    assert np.array_equal(train.ferplus_labels[on_ferplus], train.labels[on_ferplus])  # the votes agree by design


def test_faces_without_votes_add_nothing_to_the_ferplus_loss(fer_folder):
    train = load_folder(fer_folder)["train"]
    targets = targets_of(train, ("ferplus", "fer2013"))
    loss = losses_for(("ferplus", "fer2013"), label_smoothing=0.1)
    uniform = np.full((len(train), 7), 1 / 7, np.float32)
    no_votes = train.votes.sum(axis=1) == 0
    per_face = np.asarray(loss["ferplus"].call(targets["ferplus"], uniform))
    assert no_votes.any() and np.all(per_face[no_votes] == 0) and np.all(per_face[~no_votes] > 0)
    assert np.all(np.asarray(loss["fer2013"].call(targets["fer2013"], uniform)) > 0)


def test_photo_faces_come_from_the_training_half_only(photo_folder, astronaut):
    photos = sorted((photo_folder / CLASSES[i % 3] / f"photo_{i}.jpg") for i in range(12))
    training_half = [path for path in photos if not is_held_out_photo(path)]
    assert 0 < len(training_half) < len(photos)  # the fixture has photos in both halves
    assert is_held_out_photo(Path("happy/photo_1.jpg")) == is_held_out_photo(Path("sad/photo_1.jpg"))  # name only
    split = load_photo_faces(photo_folder)
    assert len(split) == len(training_half)  # the face-less photo is left out whichever half it is in
    assert sorted(CLASSES[label] for label in split.labels) == sorted(path.parent.name for path in training_half)
    assert split.faces.shape[1:] == (48, 48)
    # the crop is the app's: the detector's box around the astronaut, the shared preprocessing
    served = prepare_face(astronaut, FaceDetector().detect(astronaut)[0].box)
    assert np.corrcoef(split.faces[0].ravel().astype(float), served.ravel().astype(float))[0, 1] > 0.95


def test_unknown_data_path_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="neither fer2013.csv nor a folder"):
        load_fer2013(tmp_path)
