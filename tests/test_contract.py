"""A model carries its contract (classes, input size, crop, served head) in its card, and a model that does not
fit it is refused when it loads, with a message that names both sides."""

import json

import keras
import pytest

from emotion import CLASSES, Classifier
from emotion.contract import SERVED, ContractMismatch
from emotion.labels import COLOURS, EXPRESSIONS
from emotion.layers import FerVgg
from train.data import CSV_CODE_TO_CLASS, FERPLUS_CLASS_COLUMNS


def one_head_model(classes: int, size: int = 48) -> keras.Model:
    inputs = keras.Input((size, size, 1))
    outputs = keras.layers.Dense(classes, activation="softmax", name="ferplus")(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, {"ferplus": outputs})


def test_a_model_with_eight_outputs_is_refused_against_seven_classes(tmp_path):
    path = tmp_path / "model.keras"
    one_head_model(8).save(path)
    with pytest.raises(ContractMismatch, match=r"gives 8 probabilities .* names 7 classes \(angry, disgust"):
        Classifier.load(path)


def test_a_model_for_another_input_size_is_refused(tmp_path):
    path = tmp_path / "model.keras"
    one_head_model(len(CLASSES), size=64).save(path)
    with pytest.raises(ContractMismatch, match=r"\(64, 64, 1\).*48x48"):
        Classifier.load(path)


def test_a_card_made_for_other_classes_is_refused_naming_both_lists(tmp_path):
    path = tmp_path / "model.keras"
    FerVgg(widths=(4, 8), convs_per_stage=1).save(path)
    contract = SERVED.to_dict() | {"classes": [*CLASSES, "contempt"]}
    path.with_name("model_card.json").write_text(json.dumps({"contract": contract}))
    with pytest.raises(ContractMismatch, match=r"contempt\).*this code serves classes \(angry"):
        Classifier.load(path)


def test_the_card_names_the_served_head_and_it_is_served(tmp_path):
    path = tmp_path / "model.keras"
    FerVgg(widths=(4, 8), convs_per_stage=1).save(path)
    card = path.with_name("model_card.json")
    card.write_text(json.dumps({"contract": SERVED.to_dict() | {"served_head": "fer2013"}}))
    assert Classifier.load(path).served_head == "fer2013"
    card.write_text(json.dumps({"contract": SERVED.to_dict() | {"served_head": "x"}}))
    with pytest.raises(ContractMismatch, match="no head 'x'"):
        Classifier.load(path)


def test_the_shipped_card_states_the_contract_this_code_serves():
    classifier = Classifier.load()
    assert classifier.model_card["contract"] == SERVED.to_dict() and classifier.contract == SERVED


def test_one_table_gives_the_classes_their_colours_and_their_columns_in_the_data():
    assert tuple(expression.name for expression in EXPRESSIONS) == CLASSES and set(COLOURS) == set(CLASSES)
    assert FERPLUS_CLASS_COLUMNS[CLASSES.index("happy")] == "happiness"
    assert CSV_CODE_TO_CLASS[6] == "neutral" and sorted(CSV_CODE_TO_CLASS) == list(range(7))
