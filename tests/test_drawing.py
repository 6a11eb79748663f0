"""Labels on photos, live frames and clip frames: clear of each other, of the picture's edges and top corners,
and sized to the picture."""

import numpy as np
import pytest
from PIL import Image

from emotion import Predictor
from emotion.drawing import corners, draw_faces, face_numbers, overlap, place_labels
from emotion.labels import CLASSES, COLOURS
from emotion.results import FaceResult


def face(box, label="surprise", warned=True) -> FaceResult:
    scores = {name: (0.4 if name == label else 0.1) for name in CLASSES}
    return FaceResult(box, scores, label, 0.9, warnings=("blurred",) if warned else ())


@pytest.mark.parametrize("size", [(1024, 682), (640, 480), (854, 480), (480, 854)])
def test_crowded_faces_get_labels_that_never_overlap_and_stay_inside(size):
    rng = np.random.default_rng(size[0])
    width, height = size
    side = width // 10
    faces = [
        face((int(rng.integers(0, width - side)), int(rng.integers(0, height - side)), side, side)) for _ in range(6)
    ]
    labels = place_labels(size, faces, face_numbers(faces, None))
    for index, label in enumerate(labels):
        left, top, right, bottom = label.rect
        assert left >= 0 and right <= width and top >= 0 and bottom <= height
        assert all(overlap(label.rect, other.rect) == 0 for other in labels[index + 1 :])


def test_a_face_in_a_top_corner_has_its_label_out_of_the_corner():
    size = (1000, 800)
    right_corner = corners(size)[1]
    faces = [face((1000 - 90, 5, 80, 80))]
    [label] = place_labels(size, faces, [1])
    assert overlap(label.rect, right_corner) == 0
    assert label.rect[1] - (5 + 80) < 3 * label.font_size  # and the label stays beside its face, just below it


def test_labels_scale_with_the_picture_and_live_numbers_show_for_one_face():
    small, large = (place_labels(size, [face((10, 100, 50, 50))], [7])[0] for size in ((400, 300), (4000, 3000)))
    assert large.font_size == pytest.approx(10 * small.font_size, rel=0.1)
    assert (
        small.text.startswith("#7 ") and place_labels((400, 300), [face((10, 100, 50, 50))], [None])[0].text[0] != "#"
    )
    drawn = np.asarray(draw_faces(np.zeros((300, 400, 3), np.uint8), [face((10, 100, 50, 50))], numbers=[7]))
    assert tuple(drawn[125, 10]) == COLOURS["surprise"]  # the box's left edge, in its expression's colour


@pytest.mark.parametrize("size", [(40, 30), (512, 512), (3000, 2000)])
def test_drawing_returns_a_marked_copy(predictor: Predictor, astronaut, size):
    photo = np.asarray(Image.fromarray(astronaut).resize(size))
    faces = predictor.predict(photo, whole_image=True)
    drawn = draw_faces(photo, faces)
    assert drawn.size == size and drawn.mode == "RGB"
    assert not np.array_equal(np.asarray(drawn), photo)
    assert np.array_equal(np.asarray(Image.fromarray(photo)), photo)  # the input is untouched
