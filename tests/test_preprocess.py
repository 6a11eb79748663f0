"""The shared face preprocessing: crop geometry, edges, size; and that training uses it too."""

import numpy as np
from PIL import Image

from emotion.images import open_image, to_rgb_array
from emotion.preprocess import INPUT_SIZE, crop, prepare_face, square_crop_box
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
    """Blur is no longer a preprocessing step: a model that needs it carries it (see test_model_layers)."""
    noise = np.random.default_rng(0).integers(0, 256, (48, 48), dtype=np.uint8)
    assert np.array_equal(prepare_face(noise), noise)
