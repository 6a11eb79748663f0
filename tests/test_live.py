"""The page's live stream and About panel, as emotion/ computes them: no Gradio involved."""

import numpy as np

from emotion.app.live import TIMELINE_EVERY, LiveSession
from emotion.app.model_card import about_markdown


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


def test_about_shows_only_figures_on_faces_the_model_never_trained_on():
    figures = {"images": 100, "macro_recall": 0.4}
    card = {
        "name": "m",
        "ferplus_vote_kl_private_test": 0.4321,
        "metrics": {
            "ferplus_public_test": figures | {"accuracy": 0.99},
            "fer2013_whole_test": figures | {"accuracy": 0.98},
            "fer2013_private_test": figures | {"accuracy": 0.51},
            "ferplus_private_test": figures | {"accuracy": 0.81},
            "photos_held_out": figures | {"accuracy": 0.62, "face_found": 0.99},
        },
    }
    text = about_markdown(card, "ferplus", "Frontal faces work best.")
    assert "51.0%" in text and "81.0%" in text and "62.0%" in text and "photos-dev" in text
    assert "99.0%" not in text and "98.0%" not in text  # PublicTest chose the model: not an unbiased figure
    assert "share of people" in text and "0.432" in text  # what the bars mean, and how well they match the votes
    assert "one person's reading" in about_markdown(card, "fer2013", "")  # the bars of a FER2013-label head
    assert "No model card" in about_markdown({}, "ferplus", "")
    assert "divided by" not in text
    adjusted = card | {"logit_adjustment": {"head": "ferplus", "alpha": 0.75}}
    assert "share of people" in about_markdown(adjusted, "ferplus", "") and "the power 0.75" in about_markdown(
        adjusted, "ferplus", ""
    )  # the served bars were adjusted: said so
    assert "divided by" not in about_markdown(adjusted, "fer2013", "")  # another head was adjusted, not this one
