"""Labels on photos, live frames and clip frames: clear of each other, of the picture's edges and top corners,
and sized to the picture."""

import numpy as np
import pytest
from PIL import Image

from emotion import Predictor
from emotion.drawing import DISPLAY, NUMBERS_ONLY_OVER, corners, draw_faces, face_numbers, overlap, place_labels
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


@pytest.mark.parametrize("count", [5, 24, 60, 150])
def test_labels_never_cover_another_face_and_a_crowd_gets_numbers(count):
    """Faces in a grid with room between them, as in a crowd photo drawn for the page."""
    columns = int(np.ceil(np.sqrt(count * 1.5)))
    side = DISPLAY[0] // columns // 2
    faces = [
        face(((index % columns) * 2 * side + side // 2, (index // columns) * 2 * side + side, side, side))
        for index in range(count)
    ]
    size = (DISPLAY[0], (count // columns + 1) * 2 * side + side)
    labels = place_labels(size, faces, face_numbers(faces, None))
    boxes = [(x, y, x + w, y + h) for x, y, w, h in (face.box for face in faces)]
    for index, label in enumerate(labels):
        assert all(overlap(label.rect, box) == 0 for number, box in enumerate(boxes) if number != index)
    numbers_only = all(label.text == f"#{index}" for index, label in enumerate(labels, start=1))
    assert numbers_only == (count > NUMBERS_ONLY_OVER)


def test_photos_are_drawn_for_the_display_box_and_a_chosen_face_is_highlighted():
    tiny = draw_faces(np.zeros((16, 16, 3), np.uint8), [face((0, 0, 16, 16))], to_display=True)
    assert tiny.size == (DISPLAY[1], DISPLAY[1])  # a 16 px square shown 800 px high
    wide = np.zeros((300, 600, 3), np.uint8)
    plain = np.asarray(draw_faces(wide, [face((100, 100, 80, 80)), face((400, 100, 80, 80))], to_display=True))
    chosen = np.asarray(
        draw_faces(wide, [face((100, 100, 80, 80)), face((400, 100, 80, 80))], highlight=1, to_display=True)
    )
    changed = np.argwhere((plain != chosen).any(axis=2))
    assert len(changed) and changed[:, 1].min() > 300 * DISPLAY[0] / 600  # only around the second face
