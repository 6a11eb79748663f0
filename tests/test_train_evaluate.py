"""train.evaluate: a model not built by train.model is scored too."""

import keras

from emotion import Predictor
from train.evaluate import evaluate


def test_evaluate_scores_a_model_not_built_by_train_model(fer_folder, tmp_path):
    """Any Keras model with this input and these heads: its layers named otherwise, BatchNorm included."""
    from keras import layers

    inputs = keras.Input((48, 48, 1))
    x = layers.Conv2D(4, 3, name="mine")(layers.Rescaling(1 / 255)(inputs))
    x = layers.GlobalAveragePooling2D()(layers.BatchNormalization()(x))
    outputs = {head: layers.Dense(7, activation="softmax", name=head)(x) for head in ("ferplus", "fer2013")}
    keras.Model(inputs, outputs).save(tmp_path / "other.keras")
    card = evaluate(fer_folder, tmp_path / "other.keras", tmp_path / "evaluation")
    assert card["metrics"]["ferplus_private_test"]["images"] > 0 and card["parameters"] > 0
    assert Predictor.load(tmp_path / "evaluation" / "model.keras").heads == ("fer2013", "ferplus")
