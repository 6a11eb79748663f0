"""Mutated image files thrown at the decode path: every one gives a photo (which the predictor then takes)
or an ImageError with a message, never another exception."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from emotion import ImageError, open_image
from tests.conftest import ASTRONAUT_FACE, encode

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
            data[position:position + len(chunk)] = chunk
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=32))
        elif kind == "delete":
            del data[position:position + draw(st.integers(1, 64))]
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
