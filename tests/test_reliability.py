"""Warnings per face: each signal moves the way its name says, and the warnings reach every output."""

from dataclasses import replace

import cv2
import numpy as np
from PIL import Image

from emotion import FaceResult, Predictor, draw_faces
from emotion.labels import CLASSES, COLOURS
from emotion.reliability import Signals, Thresholds, pitch, sharpness, turn, warnings_for
from tests.helpers import ASTRONAUT_FACE

FRONTAL = ((100, 100), (140, 100), (120, 125), (105, 145), (135, 145))


def test_blurring_a_face_lowers_its_sharpness_below_the_threshold(astronaut):
    gray = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    box = (179, 63, 90, 112)
    sharp = sharpness(gray, box)
    blurred = sharpness(cv2.GaussianBlur(gray, (0, 0), 4), box)
    assert sharp > Thresholds().least_sharpness > blurred
    assert sharpness(cv2.convertScaleAbs(gray, alpha=0.3), box) > Thresholds().least_sharpness  # dim is not blurred
    assert sharpness(np.full((200, 200), 90, np.uint8), (50, 50, 80, 80)) == 0


def test_turn_is_near_zero_for_a_frontal_face_and_grows_with_the_nose_offset():
    assert turn(FRONTAL) == 0
    turned = ((100, 100), (140, 100), (134, 125), (105, 145), (135, 145))
    assert turn(turned) == 14 / 40 and turn(turned) > turn(((100, 100), (140, 100), (125, 125)))


def test_each_threshold_gives_its_own_plain_warning():
    fine = Signals(face_px=120, sharpness=0.5, turn=0.05, margin=0.6)
    assert warnings_for(fine) == ()
    assert warnings_for(Signals(20, 0.5, 0.05, 0.6)) == ("small face (20 px)",)
    assert warnings_for(Signals(120, 0.01, 0.05, 0.6)) == ("blurred",)
    assert warnings_for(Signals(120, 0.5, 0.9, 0.6)) == ("head turned",)
    assert warnings_for(Signals(120, 0.5, None, 0.6)) == ()  # whole-image mode: no landmarks, no turn warning
    assert warnings_for(Signals(120, 0.5, 0.05, 0.01)) == ("uncertain: top two expressions close",)
    assert len(warnings_for(Signals(20, 0.01, 0.9, 0.01))) == 4
    assert warnings_for(replace(fine, pitch=0.1)) == ("head bowed or raised",)
    assert warnings_for(replace(fine, pitch=-0.1)) == ("head bowed or raised",)
    assert warnings_for(replace(fine, pitch=-0.1, edges=(True, False))) == ("face cut off by the edge",)
    assert warnings_for(replace(fine, pitch=0.01)) == ()
    assert warnings_for(replace(fine, outside=0.3)) == ("face cut off by the edge",)
    assert warnings_for(replace(fine, face_detected=False)) == ("no face detected in the picture",)


def test_the_eyes_height_in_the_box_tells_a_bowed_or_raised_head():
    box = (0, 0, 100, 100)
    eyes_at = lambda y: ((30, y), (70, y), (50, y + 20), (35, y + 40), (65, y + 40))  # noqa: E731
    assert abs(pitch(box, eyes_at(38))) < 0.01 and pitch(box, eyes_at(50)) > 0.1 and pitch(box, eyes_at(25)) < -0.1


def test_a_face_cut_by_the_photos_edge_and_a_faceless_whole_image_are_warned(predictor: Predictor, astronaut):
    left, top, right, bottom = ASTRONAUT_FACE
    cut = np.ascontiguousarray(astronaut[top + (bottom - top) // 3 :])  # the top third of the face cut away
    faces = predictor.predict(cut)
    assert faces and "face cut off by the edge" in faces[0].warnings
    assert "face cut off by the edge" not in predictor.predict(astronaut)[0].warnings
    sky = np.zeros((300, 400, 3), np.uint8)
    sky[:150], sky[150:] = (120, 170, 240), (40, 160, 40)
    [whole] = predictor.predict(sky, whole_image=True)
    assert "no face detected in the picture" in whole.warnings
    assert "no face detected in the picture" not in predictor.predict(astronaut, whole_image=True)[0].warnings


def test_predictor_warns_about_a_small_blurred_face(predictor: Predictor, astronaut):
    left, top, right, bottom = ASTRONAUT_FACE
    small = np.asarray(Image.fromarray(astronaut).resize((160, 160)))  # the face is about 28 px wide
    blurred = cv2.GaussianBlur(small, (0, 0), 3)  # about 5 px at the model's 48-px scale
    faces = predictor.predict(blurred)
    assert len(faces) == 1
    assert any(warning.startswith("small face") for warning in faces[0].warnings)
    assert "blurred" in faces[0].warnings
    assert faces[0].to_dict()["warnings"] == list(faces[0].warnings)
    sharp_face = predictor.predict(astronaut)[0]
    assert not any(w.startswith("small face") or w == "blurred" for w in sharp_face.warnings)
    assert right - left > 100 and bottom - top > 100


def test_a_face_with_warnings_is_marked_on_the_photo(astronaut):
    scores = {name: 1 / 7 for name in CLASSES}
    plain = FaceResult((179, 63, 90, 112), scores, "happy", 0.9)
    warned = FaceResult((179, 63, 90, 112), scores, "happy", 0.9, warnings=("blurred",))
    plain_drawn, warned_drawn = np.asarray(draw_faces(astronaut, [plain])), np.asarray(draw_faces(astronaut, [warned]))
    happy_colour = np.array(COLOURS["happy"])

    def label_width(drawn: np.ndarray) -> int:
        return int(np.ptp(np.flatnonzero((drawn == happy_colour).all(axis=2).any(axis=0))))

    assert label_width(warned_drawn) > label_width(plain_drawn) + 5  # the label carries its mark
