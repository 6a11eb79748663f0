"""What the model looked at (occlusion maps): where they point, their shape, and that they are faithful."""

import numpy as np
import pytest

from emotion import CLASSES, Predictor
from emotion.explain import PATCH, occlusion_map
from emotion.images import open_image
from tests.helpers import SHARED

MOUTH = (slice(32, 44), slice(14, 34))  # rows, columns of a 48x48 face


def mouth_reader(faces: np.ndarray) -> np.ndarray:
    """A stand-in classifier: 'happy' as likely as the mouth region is bright, nothing else matters."""
    brightness = faces[:, MOUTH[0], MOUTH[1]].mean(axis=(1, 2)) / 255
    probabilities = np.tile((1 - brightness)[:, None] / 6, (1, len(CLASSES)))
    probabilities[:, CLASSES.index("happy")] = brightness
    return probabilities


def generated_faces(count: int, seed: int = 0) -> np.ndarray:
    """Noisy grey faces with a bright mouth."""
    rng = np.random.default_rng(seed)
    faces = rng.integers(40, 120, (count, 48, 48)).astype(np.uint8)
    faces[:, MOUTH[0], MOUTH[1]] = 230
    return faces


def hottest_square(heat: np.ndarray, side: int) -> tuple[int, int]:
    """Top-left corner of the side x side square with the most heat."""
    sums = np.lib.stride_tricks.sliding_window_view(heat, (side, side)).sum(axis=(2, 3))
    top, left = np.unravel_index(np.argmax(sums), sums.shape)
    return int(top), int(left)


def hiding_drop(classify, face: np.ndarray, class_index: int, top: int, left: int, side: int) -> float:
    hidden = face.copy()
    hidden[top : top + side, left : left + side] = round(float(face.mean()))
    before, after = classify(np.stack([face, hidden]))[:, class_index]
    return float(before - after)


def faithfulness(classify, faces: np.ndarray, class_indices: list[int], seed: int = 0) -> tuple[float, float]:
    """Mean probability drop from hiding the hottest square vs an equally large random square."""
    rng = np.random.default_rng(seed)
    hottest, random = [], []
    for face, class_index in zip(faces, class_indices, strict=True):
        heat = occlusion_map(classify, face, class_index)
        hottest.append(hiding_drop(classify, face, class_index, *hottest_square(heat, PATCH), PATCH))
        top, left = rng.integers(0, 48 - PATCH + 1, 2)
        random.append(hiding_drop(classify, face, class_index, int(top), int(left), PATCH))
    return float(np.mean(hottest)), float(np.mean(random))


def test_the_map_points_at_what_the_classifier_reads():
    heat = occlusion_map(mouth_reader, generated_faces(1)[0], CLASSES.index("happy"))
    assert heat.shape == (48, 48) and heat.dtype == np.float32
    assert heat.min() >= 0 and heat.max() == pytest.approx(1.0)
    assert heat[MOUTH].mean() > 5 * heat[:20].mean()  # the mouth, not the forehead


def test_a_classifier_that_reads_nothing_gives_a_cold_map():
    def constant(faces: np.ndarray) -> np.ndarray:
        return np.full((len(faces), len(CLASSES)), 1 / len(CLASSES))

    assert not occlusion_map(constant, generated_faces(1)[0], 0).any()


def test_hiding_the_hottest_part_hurts_more_than_a_random_part_on_generated_faces():
    hottest, random = faithfulness(mouth_reader, generated_faces(20), [CLASSES.index("happy")] * 20)
    assert hottest > 2 * random and hottest > 0.05


def test_predictor_explains_a_face_over_its_box(predictor: Predictor, astronaut):
    face = predictor.predict(astronaut)[0]
    heat = predictor.explain(astronaut, face)
    _, _, width, height = face.box
    assert heat.ndim == 2 and heat.dtype == np.float32 and heat.min() >= 0 and heat.max() <= 1
    assert abs(heat.shape[0] / heat.shape[1] - height / width) < 0.15  # it covers the box, not the margin
    whole = predictor.predict(astronaut, whole_image=True)[0]
    assert predictor.explain(astronaut, whole).shape == (48, 48)


PHOTOS = SHARED / "photos-dev"


@pytest.mark.data
@pytest.mark.skipif(not PHOTOS.is_dir(), reason="needs ../shared/photos-dev")
def test_hiding_the_hottest_part_hurts_more_than_a_random_part_on_real_faces(shipped_predictor: Predictor):
    paths = sorted(PHOTOS.glob("*/*.jpg"))[::40][:40]
    faces, classes = [], []
    for path in paths:
        rgb = np.asarray(open_image(path))
        found = shipped_predictor.predict(rgb)
        if found:
            faces.append(shipped_predictor.face_crop(rgb, found[0].box, found[0].landmarks))
            classes.append(CLASSES.index(found[0].label))
    assert len(faces) >= 30
    hottest, random = faithfulness(shipped_predictor.classify, np.stack(faces), classes)
    assert hottest > random + 0.02, (hottest, random)
