"""train.augment: each augmentation does its job within the pixel range."""

from dataclasses import replace

import numpy as np

from tests.synthetic import synthetic_faces
from train.augment import PHOTO_LIKE, Augmentation, augment


def test_augmentation_changes_each_face_within_the_pixel_range():
    faces = synthetic_faces(32, 4)[0]
    augmented = augment(faces, np.random.default_rng(0))
    assert augmented.shape == faces.shape and augmented.dtype == np.float32
    assert augmented.min() >= 0 and augmented.max() <= 255
    assert not np.allclose(augmented, faces, atol=1)
    assert np.array_equal(augment(faces, np.random.default_rng(0)), augmented)  # the generator decides it all
    still = Augmentation(flip=False, rotation_degrees=0, zoom=0, shift=0, brightness=0, contrast=0)
    assert np.allclose(augment(faces, np.random.default_rng(1), still), faces, atol=1e-3)


def test_flipping_alone_mirrors_about_half_the_faces_exactly():
    faces = synthetic_faces(200, 5)[0]
    flip_only = Augmentation(rotation_degrees=0, zoom=0, shift=0, brightness=0, contrast=0)
    augmented = augment(faces, np.random.default_rng(2), flip_only)
    pairs = list(zip(augmented, faces, strict=True))
    mirrored = np.array([np.allclose(out, face[:, ::-1], atol=1e-3) for out, face in pairs])
    unchanged = np.array([np.allclose(out, face, atol=1e-3) for out, face in pairs])
    assert np.all(mirrored | unchanged) and 70 < mirrored.sum() < 130


def test_erasing_hides_a_rectangle_of_the_faces_it_picks():
    faces = np.full((50, 48, 48), 128, np.uint8)
    plain = Augmentation(flip=False, rotation_degrees=0, zoom=0, shift=0, brightness=0, contrast=0)
    erased = augment(faces, np.random.default_rng(3), replace(plain, erasing=0.5))
    changed = (np.abs(erased - 128) > 1e-3).reshape(50, -1).sum(axis=1)
    assert 10 < (changed > 0).sum() < 40 and changed.max() < 48 * 48 / 4


def test_the_photo_like_changes_each_do_their_job():
    faces = synthetic_faces(32, seed=5)[0]
    faces[:, :, 24:] += 120  # an edge in every face, for blur and the lighting to act on
    still = Augmentation(flip=False, rotation_degrees=0, zoom=0, shift=0, brightness=0, contrast=0)
    rng = np.random.default_rng(0)

    gamma = augment(faces, rng, replace(still, gamma=0.3))  # a monotone change of each face's values
    for old, new in zip(faces, gamma, strict=True):
        order = np.argsort(old, axis=None, kind="stable")
        assert (np.diff(new.ravel()[order]) >= 0).all()
    assert not np.allclose(gamma, faces, atol=2)

    soft = augment(faces, rng, replace(still, low_resolution=1.0))  # fewer pixels: less detail
    assert np.abs(np.diff(soft, axis=2)).mean() < np.abs(np.diff(faces.astype(float), axis=2)).mean()

    compressed = augment(faces, rng, replace(still, jpeg=1.0))
    assert 0 < np.abs(compressed - faces).mean() < 12

    grey = np.full_like(faces, 128)
    ramp = augment(grey, rng, replace(still, side_light=0.2)) - 128.0  # one side brighter, the other darker
    np.testing.assert_allclose(ramp, -ramp[:, ::-1, ::-1], atol=1e-3)
    assert np.abs(ramp).max() > 10

    turned = augment(faces, rng, replace(still, squeeze=0.2))
    assert not np.allclose(turned, faces, atol=1)

    photo_like = augment(faces, np.random.default_rng(1), PHOTO_LIKE)
    assert photo_like.min() >= 0 and photo_like.max() <= 255 and photo_like.dtype == np.float32
    assert np.array_equal(photo_like, augment(faces, np.random.default_rng(1), PHOTO_LIKE))
