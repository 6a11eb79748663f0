"""Mutated image files and clips thrown at the decode paths: every one gives a photo (which the predictor then
takes) or a clip's people, or an ImageError / VideoError with a message, never another exception."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from emotion import ImageError, open_image
from emotion.errors import VideoError
from emotion.video import analyse_clip, check_video_file
from tests.helpers import ASTRONAUT_FACE, encode

FORMATS = {"JPEG": {"quality": 85}, "PNG": {}, "GIF": {}, "WEBP": {"quality": 80}, "TIFF": {}, "BMP": {}}


@pytest.fixture(scope="module")
def seeds(astronaut: np.ndarray) -> dict[str, bytes]:
    """Small valid files of every allowed format, the starting points for mutation."""
    face = Image.fromarray(astronaut).crop(ASTRONAUT_FACE).resize((64, 72))
    return {name: encode(face, name, **options) for name, options in FORMATS.items()}


@st.composite
def mutations(draw, seeds: dict[str, bytes]) -> bytes:
    data = bytearray(seeds[draw(st.sampled_from(sorted(seeds)))])
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "overwrite", "insert", "delete", "truncate"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif kind == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=8))
            data[position : position + len(chunk)] = chunk
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=32))
        elif kind == "delete":
            del data[position : position + draw(st.integers(1, 64))]
        else:
            del data[position:]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_files_decode_or_fail_cleanly(data, seeds, predictor):
    payload = data.draw(mutations(seeds))
    try:
        image = open_image(payload)
    except ImageError as error:
        assert str(error) and "Traceback" not in str(error)
        return
    assert image.mode == "RGB" and image.width >= 1 and image.height >= 1
    for face in predictor.predict(image, whole_image=True):
        assert abs(sum(face.scores.values()) - 1) < 1e-4


@pytest.fixture(scope="module")
def clip_seeds(astronaut: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Small valid clips (10 frames of the face, moving) in the containers people upload."""
    from harness.clips import write_clip

    face = np.asarray(Image.fromarray(astronaut).crop(ASTRONAUT_FACE).resize((96, 96)))
    frames = [np.roll(face, shift, axis=1) for shift in range(0, 20, 2)]
    folder = tmp_path_factory.mktemp("clips")
    seeds = {}
    for name, codec in (("clip.webm", "VP80"), ("clip.mp4", "mp4v"), ("clip.avi", "MJPG")):
        write_clip(folder / name, frames, fps=10, codec=codec)
        seeds[name] = (folder / name).read_bytes()
    return seeds


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_clips_are_analysed_or_refused_cleanly(data, clip_seeds, predictor, tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(data.draw(mutations(clip_seeds)))
    try:
        check_video_file(path)
        result = analyse_clip(predictor, path)
    except VideoError as error:
        assert str(error) and "Traceback" not in str(error)
        return
    assert result.duration > 0 and result.sample_rate > 0
    for person in result.faces:
        assert person.samples and person.first_seen <= person.last_seen
