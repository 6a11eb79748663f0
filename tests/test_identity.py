"""SFace (emotion.identity): the shipped weights are the model zoo's, and one person describes alike in two
photos while two people do not."""

import hashlib

import numpy as np
from PIL import Image

from emotion.identity import SFACE_WEIGHTS, similarity
from emotion.tracking import SAME_PERSON, SAME_PERSON_NEARBY
from harness.clips import EXAMPLES

SFACE_SHA256 = "0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79"  # assets/README.md


def test_the_weights_are_the_model_zoos():
    assert hashlib.sha256(SFACE_WEIGHTS.read_bytes()).hexdigest() == SFACE_SHA256


def test_one_person_describes_alike_and_two_people_apart(predictor):
    angry = np.asarray(Image.open(EXAMPLES / "angry.jpg").convert("RGB"))
    moved = np.ascontiguousarray(np.pad(angry, ((40, 0), (90, 0), (0, 0)), constant_values=96)[:, ::-1])  # mirrored
    baby = np.asarray(Image.open(EXAMPLES / "happy_baby.jpg").convert("RGB"))
    [man], [man_again], [other] = (
        predictor.recognizer.describe(p, predictor.predict(p)[:1]) for p in (angry, moved, baby)
    )
    assert man.shape == (128,) and abs(np.linalg.norm(man) - 1) < 1e-5
    assert similarity(man, man_again) > SAME_PERSON > SAME_PERSON_NEARBY > similarity(man, other)
    assert predictor.recognizer.describe(angry, []) == []
