"""The page's live stream as emotion.app.live computes it (no Gradio involved), and its camera's frames decoded."""

import base64
import io

import gradio as gr
import numpy as np
import pytest
from gradio.data_classes import ImageData
from PIL import Image

from emotion.app.live import TIMELINE_EVERY, LiveSession
from emotion.app.page.components import LiveInput, PhotoInput, probability_frame
from emotion.labels import CLASSES
from emotion.limits import MAX_PHOTO_BYTES


def test_a_live_session_keeps_numbers_the_followed_face_and_draws_the_timeline_once_a_second(
    predictor, two_faces, astronaut
):
    session = LiveSession(None, 0.0)
    first = session.update(predictor, two_faces, now=0.0)
    assert first.choices == [("Face #1", 1), ("Face #2", 2)] and first.followed == 1
    assert len(first.rows) == 2 and first.message == "2 faces in view." and first.picture.size == (1024, 512)
    assert len(first.timeline) == 1 and len(first.timeline[0][1]) == len(first.scores)  # drawn at once
    session.followed = 2  # the visitor's choice
    second = session.update(predictor, two_faces, now=0.1)
    assert second.followed == 2 and second.timeline is None  # not redrawn within TIMELINE_EVERY
    assert second.scores is not None and second.scores != first.scores  # the second face's bars now
    third = session.update(predictor, two_faces, now=0.1 + TIMELINE_EVERY)
    assert third.followed == 2 and third.timeline and min(seconds for seconds, _ in third.timeline) < 0
    alone = session.update(predictor, np.ascontiguousarray(two_faces[:, :512]), now=1.5)
    assert alone.choices == [("Face #1", 1)] and alone.followed == 1  # the followed face left: the first one
    nobody = session.update(predictor, np.zeros((240, 320, 3), np.uint8), now=1.6)
    assert nobody.choices == [] and nobody.scores is None and nobody.message == "No face in view."


def test_the_live_timeline_breaks_where_the_face_was_out_of_view(predictor, two_faces):
    session = LiveSession(predictor.recognizer, 0.0)  # who left and came back is recognised
    for now in (0.0, 0.1, 0.2):
        session.update(predictor, two_faces, now=now)
    for now in (1.0, 2.0, 3.0):  # nobody for 3 s
        session.update(predictor, np.zeros((240, 320, 3), np.uint8), now=now)
    update = session.update(predictor, two_faces, now=3.3)
    assert update.followed == 1
    frame = probability_frame(update.timeline)
    assert frame["percent"].isna().sum() == len(CLASSES)  # one break, not a line across the 3 s


def data_url(picture: Image.Image, format: str) -> str:
    buffer = io.BytesIO()
    picture.save(buffer, format=format)
    return f"data:image/{format.lower()};base64,{base64.b64encode(buffer.getvalue()).decode()}"


def test_live_frames_are_decoded_as_photos_are(astronaut):
    """By emotion.open_image (its formats, its size limit), never by Gradio's decoder, which took any format."""
    camera = LiveInput(sources=["webcam"], streaming=True, type="numpy")
    picture = Image.fromarray(astronaut)
    for format in ("JPEG", "PNG", "WEBP"):
        assert camera.preprocess(ImageData(url=data_url(picture, format))).shape == astronaut.shape
    for format in ("TGA", "PCX", "ICO"):  # Pillow reads them; the app's photos may not be them
        assert camera.preprocess(ImageData(url=data_url(picture.resize((64, 64)), format))) is None
    huge = "data:image/png;base64," + "A" * (MAX_PHOTO_BYTES * 2)
    assert camera.preprocess(ImageData(url=huge)) is None  # refused before decoding
    with pytest.raises(gr.Error, match="too large"):  # a photo sent so gets the notice an upload gets
        PhotoInput(type="filepath").preprocess(ImageData(url=huge))
