"""The face detector (YuNet through cv2.FaceDetectorYN): where it finds faces, what it returns, and what not."""

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from emotion.detector import YUNET_WEIGHTS, FaceDetector
from harness.images import face_free_images
from harness.server import resident_kb
from tests.helpers import ASTRONAUT_FACE, in_threads

# assets/README.md names this file, its source and licence; a changed file must be re-measured (bench.detector).
YUNET_SHA256 = "ebafce4e3c118d6554634be5c27ab333b4c047a9a8c3faf1d7cf93101c22f0f0"


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


def test_shipped_weights_are_the_measured_file():
    assert hashlib.sha256(YUNET_WEIGHTS.read_bytes()).hexdigest() == YUNET_SHA256


def test_face_box_landmarks_and_score(detector: FaceDetector, astronaut):
    detections = detector.detect(astronaut)
    assert len(detections) == 1
    face = detections[0]
    x, y, w, h = face.box
    left, top, right, bottom = ASTRONAUT_FACE
    assert left <= x and top <= y and x + w <= right and y + h <= bottom
    assert detector.min_score <= face.score <= 1
    assert len(face.landmarks) == 5
    assert all(x <= px <= x + w and y <= py <= y + h for px, py in face.landmarks)
    (right_eye, left_eye, nose, mouth_right, mouth_left) = face.landmarks
    assert right_eye[0] < nose[0] < left_eye[0]  # as seen in the photo
    assert max(right_eye[1], left_eye[1]) < nose[1] < min(mouth_right[1], mouth_left[1])


def test_largest_face_first(detector: FaceDetector, two_faces):
    detections = detector.detect(two_faces)
    assert len(detections) == 2
    assert detections[0].box[2] * detections[0].box[3] > detections[1].box[2] * detections[1].box[3]
    assert detections[0].box[0] < 512 <= detections[1].box[0]


def test_boxes_are_in_the_photos_pixels_at_any_size(detector: FaceDetector, astronaut):
    reference = detector.detect(astronaut)[0].box
    for side in (1024, 2048):
        scale = side / 512
        box = detector.detect(np.asarray(Image.fromarray(astronaut).resize((side, side))))[0].box
        assert np.abs(np.subtract(box, np.multiply(reference, scale))).max() <= 4 * scale


def test_face_cut_by_the_photos_edge_is_found_and_clipped(detector: FaceDetector, astronaut):
    cut = np.ascontiguousarray(astronaut[90:, :])  # the top of her head is outside the photo
    detections = detector.detect(cut)
    assert len(detections) == 1
    x, y, w, h = detections[0].box
    assert y == 0 and h > 40 and x >= 0 and x + w <= cut.shape[1]


def test_small_face_crop_is_enlarged_and_found(detector: FaceDetector, astronaut):
    left, top, right, bottom = ASTRONAUT_FACE
    crop = np.asarray(Image.fromarray(astronaut[top:bottom, left:right]).resize((90, 106)))
    detections = detector.detect(crop)
    assert len(detections) == 1
    x, y, w, h = detections[0].box
    assert w > 45 and x + w <= 90 and y + h <= 106  # most of the crop, in the crop's pixels


def test_no_false_faces_on_face_free_images(detector: FaceDetector):
    images = face_free_images()
    found = [index for index, image in enumerate(images) if detector.detect(image)]
    assert len(images) > 100 and found == []


def test_tiny_and_blank_images_give_no_face(detector: FaceDetector):
    for image in (np.zeros((1, 1, 3), np.uint8), np.full((3, 500, 3), 255, np.uint8), np.zeros((64, 64, 3), np.uint8)):
        assert detector.detect(image) == []


def test_concurrent_calls_match_sequential(detector: FaceDetector, astronaut, two_faces):
    photos = [astronaut, two_faces, np.ascontiguousarray(astronaut[::2, ::2])] * 6
    expected = [detector.detect(photo) for photo in photos]
    assert in_threads(detector.detect, photos) == expected


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux /proc")
def test_repeated_detection_does_not_grow_memory(detector: FaceDetector, astronaut):
    """The earlier detector's binding leaked 36 KB a call (37 MB per 1,000 photos); kept as a regression test."""
    small = np.asarray(Image.fromarray(astronaut).resize((96, 96)))
    for _ in range(50):
        detector.detect(small)
    before = resident_kb()
    for _ in range(1000):
        detector.detect(small)
    assert resident_kb() - before < 8_000
