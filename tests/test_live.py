"""The page's live stream and About panel, as emotion/ computes them: no Gradio involved."""

import numpy as np

from emotion.app.live import TIMELINE_EVERY, LiveSession


def test_a_live_session_keeps_numbers_the_followed_face_and_draws_the_timeline_once_a_second(
    predictor, two_faces, astronaut
):
    session = LiveSession(None, 0.0)
    first = session.update(predictor, two_faces, None, now=0.0)
    assert first.choices == [("Face #1", 1), ("Face #2", 2)] and first.followed == 1
    assert len(first.rows) == 2 and first.message == "2 faces in view." and first.picture.size == (1024, 512)
    assert {name for _, name, _ in first.timeline} == set(first.scores)  # drawn at once
    second = session.update(predictor, two_faces, 2, now=0.1)
    assert second.followed == 2 and second.timeline is None  # not redrawn within TIMELINE_EVERY
    assert second.scores is not None and second.scores != first.scores  # the second face's bars now
    third = session.update(predictor, two_faces, 2, now=0.1 + TIMELINE_EVERY)
    assert third.timeline and min(seconds for seconds, _, _ in third.timeline) < 0  # seconds before now
    alone = session.update(predictor, np.ascontiguousarray(two_faces[:, :512]), 2, now=1.5)
    assert alone.choices == [("Face #1", 1)] and alone.followed == 1  # the followed face left: the first one
    nobody = session.update(predictor, np.zeros((240, 320, 3), np.uint8), 1, now=1.6)
    assert nobody.choices == [] and nobody.scores is None and nobody.message == "No face in view."
