"""The shared face preprocessing: crop geometry, edges, size; and that training uses it too."""

import cv2
import numpy as np
from PIL import Image

from emotion.detector import FaceDetector
from emotion.images import open_image, to_rgb_array
from emotion.preprocess import INPUT_SIZE, crop, eye_angle, prepare_face, rotated_crop, square_crop_box
from train.data import load_folder


def test_square_crop_box_is_centred_and_grown():
    assert square_crop_box((100, 100, 40, 60), margin=0.0) == (90, 100, 60, 60)
    x, y, w, h = square_crop_box((100, 100, 40, 40), margin=0.25)
    assert (w, h) == (60, 60) and (x + w / 2, y + h / 2) == (120, 120)


def test_crop_outside_the_image_repeats_edges():
    gray = np.arange(100, dtype=np.uint8).reshape(10, 10)
    piece = crop(gray, (-3, -3, 6, 6))
    assert piece.shape == (6, 6)
    assert piece[0, 0] == gray[0, 0] and piece[5, 5] == gray[2, 2]


def test_prepare_face_gives_model_input(astronaut):
    face = prepare_face(astronaut, (178, 62, 88, 111))
    assert face.shape == (INPUT_SIZE, INPUT_SIZE) and face.dtype == np.uint8
    assert prepare_face(astronaut).shape == (INPUT_SIZE, INPUT_SIZE)


def test_training_and_serving_prepare_a_face_identically(tmp_path, astronaut):
    """The skew bug this project grew out of: the data loader must give the bytes serving gives."""
    face = np.asarray(Image.fromarray(astronaut).convert("L").resize((48, 48)))
    for name in ("train/happy/Training_1.jpg", "test/sad/PublicTest_2.jpg", "test/sad/PrivateTest_3.jpg"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(face).save(tmp_path / name)
    loaded = load_folder(tmp_path)
    served = prepare_face(to_rgb_array(open_image(tmp_path / "train/happy/Training_1.jpg")))
    assert np.array_equal(loaded["train"].faces[0], served)


def test_preprocessing_keeps_the_detail_of_the_photo():
    """Nothing blurs or filters a face: a 48x48 face reaches the model as it is."""
    noise = np.random.default_rng(0).integers(0, 256, (48, 48), dtype=np.uint8)
    assert np.array_equal(prepare_face(noise), noise)


def test_eye_angle_is_the_tilt_of_the_line_through_the_eyes():
    assert eye_angle(((10, 50), (30, 50), (20, 60))) == 0
    assert eye_angle(((10, 50), (30, 70))) == 45  # the eye on the photo's right is lower: turned clockwise


def test_rotated_crop_without_rotation_is_the_plain_crop():
    gray = np.random.default_rng(1).integers(0, 256, (80, 90), dtype=np.uint8)
    assert np.array_equal(rotated_crop(gray, (20, 10, 40, 40), 0.0), crop(gray, (20, 10, 40, 40)))


def test_alignment_levels_a_tilted_face(astronaut):
    """The astronaut turned by 20 degrees, with her landmarks turned alike, aligned by the eyes, gives the
    upright face's crop; unaligned it does not. (The geometry alone: YuNet's own landmarks follow an
    in-plane turn only partly, see docs/pipeline.md "Face framing".)"""
    upright = FaceDetector().detect(astronaut)[0]
    x, y, w, h = upright.box
    turn = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), -20, 1.0)  # clockwise on screen
    tilted_photo = cv2.warpAffine(astronaut, turn, astronaut.shape[1::-1], flags=cv2.INTER_LINEAR)
    tilted_marks = tuple(tuple(int(round(v)) for v in turn @ (px, py, 1)) for px, py in upright.landmarks)
    assert abs(eye_angle(tilted_marks) - eye_angle(upright.landmarks) - 20) < 2

    def similarity(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.corrcoef(a.ravel().astype(float), b.ravel().astype(float))[0, 1])

    reference = prepare_face(astronaut, upright.box, upright.landmarks, align=True)
    aligned = prepare_face(tilted_photo, upright.box, tilted_marks, align=True)
    unaligned = prepare_face(tilted_photo, upright.box, tilted_marks, align=False)
    assert similarity(aligned, reference) > 0.95
    assert similarity(unaligned, reference) < similarity(aligned, reference) - 0.1
