"""train.batches: every face once an epoch, shuffled per epoch."""

import numpy as np

from tests.synthetic import synthetic_faces
from train.augment import Augmentation
from train.batches import FaceBatches


def test_face_batches_shuffle_per_epoch_and_keep_every_face_once():
    faces, labels = synthetic_faces(100, 6)
    targets = {"fer2013": np.eye(7, dtype=np.float32)[labels]}
    training = FaceBatches(faces, targets, 32, Augmentation(), seed=7)
    assert len(training) == 3  # whole batches only
    first = [training[index][1]["fer2013"].argmax(axis=1) for index in range(3)]
    assert np.array_equal(training[2][0], training[2][0])  # a batch depends on (seed, epoch, index) alone
    training.on_epoch_end()
    second = [training[index][1]["fer2013"].argmax(axis=1) for index in range(3)]
    assert not all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert training.take_busy_seconds() > 0 and training.take_busy_seconds() == 0  # the time making them, taken
    validation = FaceBatches(faces, targets, 32, None, seed=7)
    assert len(validation) == 4
    x, y = validation[3]
    assert (
        x.shape == (4, 48, 48, 1)
        and np.array_equal(x[..., 0], faces[96:])
        and np.array_equal(y["fer2013"].argmax(axis=1), labels[96:])
    )
