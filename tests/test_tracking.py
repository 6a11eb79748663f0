"""Live-mode tracking: numbers stay with faces, jitter is smoothed away, real changes still show quickly."""

import numpy as np
import pytest

from emotion import CLASSES, FaceResult
from emotion.tracking import HISTORY_SECONDS, LOST_AFTER, MAX_JUMP, FaceTracker, jump

FRAME = 1 / 6  # seconds between live updates, as measured by bench.live


def face(box: tuple[int, int, int, int], **probabilities: float) -> FaceResult:
    scores = {name: probabilities.get(name, 0.0) for name in CLASSES}
    rest = (1 - sum(scores.values())) / max(1, sum(1 for value in scores.values() if value == 0))
    scores = {name: value or rest for name, value in scores.items()}
    return FaceResult(box, scores, max(scores, key=scores.get), 0.9)


def test_jump_is_the_centres_distance_in_face_sizes():
    assert jump((0, 0, 10, 10), (0, 0, 10, 10)) == 0
    assert jump((0, 0, 10, 10), (6, 8, 10, 10)) == pytest.approx(1.0)
    assert jump((0, 0, 10, 10), (0, 0, 20, 20)) == float("inf")  # twice the size: another face


def test_a_face_that_moves_half_its_width_between_samples_keeps_its_number():
    tracker = FaceTracker()
    numbers = {
        tracker.update([face((100 + 50 * step, 40, 100, 100), happy=0.9)], step * 0.2)[0].number for step in range(8)
    }
    assert len(numbers) == 1 and MAX_JUMP > 0.5
    [far] = tracker.update([face((1000, 40, 100, 100), happy=0.9)], 1.8)
    assert far.number not in numbers


def test_two_faces_keep_their_numbers_while_they_move_and_the_order_changes():
    tracker = FaceTracker()
    left, right = (10, 10, 50, 50), (200, 10, 50, 50)
    first = tracker.update([face(left, happy=0.9), face(right, sad=0.9)], 0.0)
    numbers = {tracked.face.box: tracked.number for tracked in first}
    for step in range(1, 20):  # both drift right; the list order flips every frame
        moved = [face((10 + 3 * step, 10, 50, 50), happy=0.9), face((200 + 3 * step, 10, 50, 50), sad=0.9)]
        tracked = tracker.update(moved[::-1] if step % 2 else moved, step * FRAME)
        by_x = sorted(tracked, key=lambda t: t.face.box[0])
        assert [t.number for t in by_x] == [numbers[left], numbers[right]]


def test_a_new_face_gets_a_new_number_and_a_lost_one_is_forgotten():
    tracker = FaceTracker()
    [first] = tracker.update([face((10, 10, 50, 50), happy=0.9)], 0.0)
    [again] = tracker.update([face((12, 10, 50, 50), happy=0.9)], 0.5)
    assert again.number == first.number
    newcomer = tracker.update([face((12, 10, 50, 50), happy=0.9), face((300, 300, 40, 40), sad=0.9)], 0.6)
    assert sorted(t.number for t in newcomer) == [first.number, first.number + 1]
    assert tracker.update([], 0.8) == [] and tracker.update([], 1.0) == []  # two updates without any face
    [back] = tracker.update([face((12, 10, 50, 50), happy=0.9)], 0.6 + LOST_AFTER + 0.5)
    assert back.number not in (first.number, first.number + 1)
    assert tracker.history(first.number) == []


def test_on_a_loaded_server_updates_over_a_second_apart_keep_the_numbers():
    """Under load live updates came 2 s apart and the face in view got a new number every time."""
    tracker = FaceTracker()
    numbers = {tracker.update([face((100, 40, 80, 80), happy=0.9)], 2.0 * step)[0].number for step in range(5)}
    assert len(numbers) == 1 and LOST_AFTER < 2.0


def test_smoothing_removes_most_flips_between_two_close_classes():
    rng = np.random.default_rng(0)
    tracker, raw_labels, smoothed_labels = FaceTracker(), [], []
    for step in range(60):
        happy = 0.48 + rng.uniform(-0.1, 0.1)  # happy leads neutral by 0.08 on average, noise often reverses it
        frame_face = face((50, 50, 80, 80), happy=happy, neutral=0.88 - happy)
        raw_labels.append(frame_face.label)
        smoothed_labels.append(tracker.update([frame_face], step * FRAME)[0].face.label)

    def flips(labels: list[str]) -> int:
        return sum(a != b for a, b in zip(labels, labels[1:], strict=False))

    assert flips(raw_labels) > 10 and flips(smoothed_labels) <= flips(raw_labels) / 3


def test_a_real_change_of_expression_shows_within_half_a_second():
    tracker = FaceTracker()
    for step in range(12):
        tracker.update([face((50, 50, 80, 80), happy=0.9)], step * FRAME)
    changed_at = 12 * FRAME
    for step in range(12, 30):
        [tracked] = tracker.update([face((50, 50, 80, 80), surprise=0.9)], step * FRAME)
        if tracked.face.label == "surprise":
            break
    assert step * FRAME - changed_at <= 0.5


def test_history_holds_the_last_thirty_seconds_of_smoothed_probabilities():
    tracker = FaceTracker()
    for step in range(int(40 / FRAME)):
        [tracked] = tracker.update([face((50, 50, 80, 80), happy=0.9)], step * FRAME)
    history = tracker.history(tracked.number)
    times = [time for time, _ in history]
    assert times[-1] - times[0] <= HISTORY_SECONDS and times[-1] - times[0] > HISTORY_SECONDS - 1
    assert history[-1][1].shape == (7,) and history[-1][1].sum() == pytest.approx(1)
