"""The About panel (emotion.app.model_card): only figures on faces the model never trained or was selected on."""

from emotion.app.model_card import about_markdown


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


def test_about_says_how_the_model_is_served():
    card = {"metrics": {"ferplus_private_test": {"images": 10, "accuracy": 0.8, "macro_recall": 0.7}}}
    served = {"file": "model.tflite", "runtime": "LiteRT", "quantisation": "dynamic", "views": ["face", "mirror image"]}
    text = about_markdown(card | {"served": served}, "ferplus", "")
    assert "Served from `model.tflite` on LiteRT: int8 weights, each face averaged with its mirror image." in text
    plain = about_markdown(card | {"served": served | {"quantisation": "none", "views": ["face"]}}, "ferplus", "")
    assert "float32 weights." in plain and "mirror" not in plain
    assert "Served" not in about_markdown(card, "ferplus", "")
