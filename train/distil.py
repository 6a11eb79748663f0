"""Distillation: a student learns its own targets blended with a teacher's probabilities, at teacher_weight.

Two ways to ask the teacher (train.fit): once, for the original faces, before training (cheap: one pass over
Training); or, with `Distiller`, for each augmented batch inside the training step, so every augmented face
gets its own soft target ("consistent teaching", Beyer et al. 2022, "Knowledge distillation: a good teacher
is patient and consistent"), at the price of the teacher's forward pass every step.
"""

import keras


def blend(target, taught, teacher_weight: float):
    """(1 - teacher_weight) * target + teacher_weight * taught, for numpy arrays or tensors alike: a face
    without FER+ votes (an all-zero target) learns the teacher's share alone, at teacher_weight."""
    return (1 - teacher_weight) * target + teacher_weight * taught


def in_precision(model: keras.Model, precision: str) -> keras.Model:
    """The same model with the same weights, its float32 layers computing in `precision`, so that a float32
    teacher asked every step runs at a mixed_bfloat16 student's speed; `model` itself for float32."""
    if precision == "float32":
        return model

    def retyped(config):
        if isinstance(config, dict):
            if config.get("class_name") == "DTypePolicy" and config["config"]["name"] == "float32":
                return config | {"config": {"name": precision}}
            return {key: retyped(value) for key, value in config.items()}
        return [retyped(value) for value in config] if isinstance(config, list) else config

    twin = model.__class__.from_config(retyped(model.get_config()))
    twin.set_weights(model.get_weights())
    return twin


class Distiller(keras.Model):
    """The student, trained on each head's target blended with a frozen teacher's probabilities for the same
    augmented batch; validation scores the student on its own targets. Fit the Distiller, save `student`."""

    def __init__(self, student: keras.Model, teacher: keras.Model, teacher_weight: float, **kwargs):
        super().__init__(**kwargs)
        self.student, self.teacher, self.teacher_weight = student, teacher, teacher_weight
        self.teacher.trainable = False

    def call(self, faces, training=False):
        return self.student(faces, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if training:
            taught = self.teacher(x, training=False)
            y = {
                head: blend(target, keras.ops.cast(taught[head], target.dtype), self.teacher_weight)
                for head, target in y.items()
            }
        return super().compute_loss(x, y, y_pred, sample_weight, training)
