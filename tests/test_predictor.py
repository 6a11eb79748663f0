"""The predictor: detection, classification shapes and sums, odd inputs, drawing."""

import io

import numpy as np
import pytest
from PIL import Image

from emotion import CLASSES, FaceResult, Predictor
from emotion.detector import Detection
from emotion.images import open_image
from emotion.limits import MAX_FACES
from tests.helpers import ROOT, SHIPPED_MODEL, in_threads, with_exif_orientation


def test_classes_are_in_the_documented_order():
    assert CLASSES == ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")


def test_one_face_found_where_it_is(predictor: Predictor, astronaut):
    faces = predictor.predict(astronaut)
    assert len(faces) == 1
    x, y, w, h = faces[0].box
    assert 150 < x + w / 2 < 300 and 50 < y + h / 2 < 200  # the astronaut's face, not her suit
    assert 0 < faces[0].detector_score <= 1


def test_two_faces_largest_first(predictor: Predictor, two_faces):
    faces = predictor.predict(two_faces)
    assert len(faces) == 2
    areas = [w * h for _, _, w, h in (face.box for face in faces)]
    assert areas[0] > areas[1]
    assert faces[0].box[0] < 512 <= faces[1].box[0]


def test_no_face_gives_empty_list(predictor: Predictor, no_face):
    assert predictor.predict(no_face) == []


def test_whole_image_mode_classifies_the_photo(predictor: Predictor, no_face):
    faces = predictor.predict(no_face, whole_image=True)
    assert len(faces) == 1
    assert faces[0].box == (0, 0, 320, 240) and faces[0].detector_score is None


def test_result_scores_are_a_distribution(predictor: Predictor, astronaut):
    face = predictor.predict(astronaut)[0]
    assert isinstance(face, FaceResult)
    assert list(face.scores) == list(CLASSES)
    assert sum(face.scores.values()) == pytest.approx(1.0, abs=1e-5)
    assert face.label == max(face.scores, key=face.scores.get)
    assert face.to_dict()["box"] == list(face.box)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "CMYK"])
def test_any_pil_mode_finds_the_face(predictor: Predictor, astronaut, mode):
    assert len(predictor.predict(Image.fromarray(astronaut).convert(mode))) == 1


def test_sixteen_bit_gray_finds_the_face(predictor: Predictor, astronaut):
    gray = np.asarray(Image.fromarray(astronaut).convert("L")).astype(np.uint16) * 257
    assert len(predictor.predict(Image.fromarray(gray))) == 1


def test_exif_rotated_photo_gives_upright_boxes(predictor: Predictor, astronaut):
    upright = predictor.predict(astronaut)[0]
    stored = with_exif_orientation(Image.fromarray(astronaut), 6, "JPEG", quality=95)  # viewers turn it 90 degrees
    rotated = predictor.predict(Image.open(io.BytesIO(stored)))[0]
    assert np.abs(np.subtract(rotated.box, upright.box)).max() <= 8


def test_huge_photo_is_downscaled_for_detection(predictor: Predictor, astronaut):
    big = np.asarray(Image.fromarray(astronaut).resize((4000, 4000)))
    faces = predictor.predict(big)
    assert len(faces) == 1
    assert faces[0].box[2] > 500  # box in the big photo's pixels


def test_classify_shapes_and_sums(predictor: Predictor, astronaut):
    batch = np.random.default_rng(0).integers(0, 256, (5, 48, 48), dtype=np.uint8)
    probabilities = predictor.classify(batch)
    assert probabilities.shape == (5, 7) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    mixed = predictor.classify([astronaut, Image.fromarray(astronaut).convert("L"), batch[0]])
    assert mixed.shape == (3, 7)
    np.testing.assert_allclose(mixed[0], mixed[1], atol=1e-3)  # same face, other mode
    assert predictor.classify(np.zeros((0, 48, 48), np.uint8)).shape == (0, 7)
    big_batch = np.repeat(batch, 120, axis=0)  # more than one internal batch
    np.testing.assert_allclose(predictor.classify(big_batch)[::120], probabilities, atol=1e-5)


def test_concurrent_calls_match_sequential(predictor: Predictor, astronaut, two_faces):
    photos = [astronaut, two_faces] * 8
    expected = [predictor.predict(photo) for photo in photos]
    results = in_threads(predictor.predict, photos)
    for got, want in zip(results, expected, strict=True):
        assert [f.box for f in got] == [f.box for f in want]
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(list(g.scores.values()), list(w.scores.values()), atol=1e-5)


def test_missing_model_file_says_how_to_get_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m train fit"):
        Predictor.load(tmp_path / "nothing.keras")


def test_shipped_model_is_real_and_confident(shipped_predictor: Predictor, astronaut):
    """Load-time validation of the shipped artefact, as production loads it."""
    assert shipped_predictor.classifier.model.input_shape == (None, 48, 48, 1)
    faces = shipped_predictor.predict(astronaut)
    assert len(faces) == 1
    assert max(faces[0].scores.values()) > 1 / 7 + 0.05  # a trained model, not a uniform guess


def test_the_example_photos_show_different_expressions_and_a_group_and_each_names_its_licence(shipped_predictor):
    readme, page = (SHIPPED_MODEL.parent / "README.md").read_text(), (ROOT / "emotion/app/page/settings.py").read_text()
    labels, group = set(), 0
    for path in sorted((SHIPPED_MODEL.parent / "examples").glob("*")):
        assert f"`examples/{path.name}`" in readme and f'"{path.name}"' in page and path.stat().st_size < 300_000
        faces = shipped_predictor.predict(open_image(path))
        assert faces, path.name
        if len(faces) == 1:
            labels.add(faces[0].label)
        group = max(group, len(faces))
    assert len(labels) >= 4 and group >= 3  # a visitor sees the model tell expressions apart, and a group


def test_predicting_many_photos_at_once_gives_each_photos_own_answer(predictor, astronaut, two_faces, no_face):
    photos = [astronaut, no_face, two_faces, Image.fromarray(astronaut).resize((1024, 1024))]
    together = predictor.predict_many(photos)
    for photo, faces in zip(photos, together, strict=True):
        alone = predictor.predict(photo)
        assert [face.box for face in faces] == [face.box for face in alone]
        assert [face.warnings for face in faces] == [face.warnings for face in alone]
        for face, expected in zip(faces, alone, strict=True):
            assert np.allclose(list(face.scores.values()), list(expected.scores.values()), atol=1e-5)
    assert together[1] == [] and len(together[2]) == 2


def test_a_crowd_is_analysed_up_to_its_largest_hundred_faces(predictor, astronaut, monkeypatch):
    """A photo of 150 faces answers the 100 largest (the page says so; emotion.limits.MAX_FACES)."""
    crowd = [
        Detection((10 + 3 * index, 10 + 2 * index, 200 - index, 200 - index), 0.9, ((60, 80),) * 5)
        for index in range(150)
    ]  # largest first, as the detector answers
    monkeypatch.setattr(predictor.detector, "detect", lambda rgb: crowd)
    faces = predictor.predict(astronaut)
    assert len(faces) == MAX_FACES == 100 and [face.box for face in faces] == [d.box for d in crowd[:100]]
