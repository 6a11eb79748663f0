"""Video clips: people followed through a generated clip whose faces come and go at known times, through the
core, REST, gradio_client, the UI function and the CLI; and every kind of bad clip."""

import io
import json
import os
import struct
import tempfile
import threading
import wave
from pathlib import Path

import cv2
import gradio as gr
import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from emotion.__main__ import main as cli_main
from emotion.app.page.components import rounded
from emotion.app.page.video_tab import ClipEvents, person_timeline
from emotion.app.scratch import scratch_folder
from emotion.errors import VideoError, VideoTooLarge
from emotion.labels import CLASSES
from emotion.results import SAMPLE_COLUMNS
from emotion.tracking import LABEL_MARGIN
from emotion.video import ANNOTATED_SIDE, Abandoned, ClipWriter, analyse_clip, check_video_file
from harness.clips import write_clip
from harness.hostile_files import size_switching_avi
from tests.helpers import encode

FPS = 10
# The clip's stretches: the astronaut alone, then a second, smaller face beside her, then no face at all.
ALONE, BOTH, NOBODY = (0.0, 2.0), (2.0, 4.0), (4.0, 5.0)


def stretch_frames(astronaut: np.ndarray, two_faces: np.ndarray, no_face: np.ndarray) -> list[np.ndarray]:
    """One frame per stretch, all of the two-faces photo's size (the astronaut at the same place in the first two)."""
    alone = np.full_like(two_faces, 96)
    alone[:, : astronaut.shape[1]] = astronaut
    pattern = cv2.resize(no_face, (two_faces.shape[1], two_faces.shape[0]), interpolation=cv2.INTER_NEAREST)
    return [alone, two_faces, pattern]


@pytest.fixture(scope="session")
def clip(astronaut, two_faces, no_face, tmp_path_factory) -> Path:
    """A 5 s VP8 WebM clip at 10 frames a second: the astronaut alone (0-2 s), two faces (2-4 s), none (4-5 s)."""
    path = tmp_path_factory.mktemp("clip") / "clip.webm"
    frames = stretch_frames(astronaut, two_faces, no_face)
    counts = [round((end - start) * FPS) for start, end in (ALONE, BOTH, NOBODY)]
    write_clip(path, (frame for frame, count in zip(frames, counts, strict=True) for _ in range(count)), FPS, "VP80")
    return path


@pytest.fixture(scope="session")
def no_face_clip(no_face, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "nobody.webm"
    write_clip(path, (no_face for _ in range(10)), FPS, "VP80")
    return path


def decoded_frame(path: Path, time: float) -> np.ndarray:
    """The clip's frame at `time` as the reader decodes it (RGB)."""
    capture = cv2.VideoCapture(str(path))
    capture.set(cv2.CAP_PROP_POS_FRAMES, round(time * FPS))
    ok, bgr = capture.read()
    capture.release()
    assert ok
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def check_people(record: dict) -> None:
    """The clip's people as the JSON schema says, appearing and leaving when the stretches change."""
    assert record["duration"] == pytest.approx(NOBODY[1], abs=0.15) and record["sample_rate"] == 5
    people = record["faces"]
    assert [person["id"] for person in people] == [1, 2]
    first, second = people
    assert first["first_seen"] == pytest.approx(ALONE[0], abs=0.01)
    assert second["first_seen"] == pytest.approx(BOTH[0], abs=0.21)
    for person in people:
        assert person["last_seen"] == pytest.approx(BOTH[1] - 0.2, abs=0.21)
        times = [sample["time"] for sample in person["samples"]]
        assert times == sorted(times) and np.allclose(np.diff(times), 0.2, atol=0.02)
        assert times[0] == person["first_seen"] and times[-1] == person["last_seen"]
        for sample in person["samples"]:
            assert set(sample) == {"time", "box", "label", "scores"} and len(sample["box"]) == 4
            # rounded to 4 decimals; the label is the steady one (emotion.tracking): never behind by LABEL_MARGIN
            assert abs(sum(sample["scores"].values()) - 1) < 1e-3
            assert sample["scores"][sample["label"]] >= max(sample["scores"].values()) - LABEL_MARGIN
    assert first["samples"][0]["box"][0] < 512 < second["samples"][0]["box"][0]  # the second face is on the right


def test_people_are_followed_through_the_clip_and_labelled_as_the_photo_path_labels_their_frames(
    clip, shipped_predictor
):
    result = analyse_clip(shipped_predictor, clip)
    record = result.to_dict()
    check_people(record)
    for person in record["faces"]:
        for sample in person["samples"]:
            faces = shipped_predictor.predict(decoded_frame(clip, sample["time"]))
            x, y = sample["box"][:2]
            nearest = min(faces, key=lambda face: abs(face.box[0] - x) + abs(face.box[1] - y))
            assert nearest.label == sample["label"], (person["id"], sample["time"])


def test_the_annotated_clip_has_a_frame_per_sample_and_plays_as_webm(clip, predictor, tmp_path):
    progress: list[float] = []
    result = analyse_clip(predictor, clip, annotated=tmp_path / "annotated.webm", progress=progress.append)
    capture = cv2.VideoCapture(str(tmp_path / "annotated.webm"))
    frames = 0
    while capture.read()[0]:
        frames += 1
    width = capture.get(cv2.CAP_PROP_FRAME_WIDTH)
    capture.release()
    assert frames == round(result.duration * result.sample_rate) and 0 < width <= ANNOTATED_SIDE
    assert (tmp_path / "annotated.webm").read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # Matroska/WebM
    assert progress == sorted(progress) and progress[-1] == pytest.approx(1.0)


def wav_bytes() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(np.zeros(8000, np.int16).tobytes())
    return buffer.getvalue()


def clip_bytes(tmp_path: Path, name: str, frames, fps: float = FPS, codec: str = "MJPG") -> bytes:
    path = tmp_path / name
    write_clip(path, frames, fps, codec)
    return path.read_bytes()


def bad_clips(tmp_path: Path, clip: Path, astronaut: np.ndarray) -> dict[str, tuple[bytes, int, str]]:
    """name -> (file bytes, REST status, part of the message)."""
    small = cv2.resize(astronaut, (64, 64))
    empty_writer = tmp_path / "zero.avi"
    cv2.VideoWriter(str(empty_writer), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (64, 64)).release()
    return {
        "empty file": (b"", 400, "empty"),
        "text": (b"just some text, not a clip\n" * 20, 400, "not a video"),
        "truncated to its first kilobyte": (clip.read_bytes()[:1024], 400, "no video"),
        "audio only": (wav_bytes(), 400, "no picture stream"),
        "a still image renamed .mp4": (encode(Image.fromarray(astronaut), "PNG"), 400, "still picture, not a clip"),
        "zero frames": (empty_writer.read_bytes() if empty_writer.is_file() else b"", 400, ""),
        "absurd resolution": (
            clip_bytes(tmp_path, "huge.avi", [np.zeros((2200, 4000, 3), np.uint8)] * 2),
            413,
            "1920x1080",
        ),
        "over the length limit": (clip_bytes(tmp_path, "long.avi", [small] * 62, fps=1), 413, "limit is 60"),
        "an absurd frame rate": (clip_bytes(tmp_path, "fast.avi", [small] * 30, fps=1000), 413, "limit is 240"),
    }


@pytest.fixture(scope="module")
def bad(tmp_path_factory, clip, astronaut) -> dict[str, tuple[bytes, int, str]]:
    return bad_clips(tmp_path_factory.mktemp("bad"), clip, astronaut)


def test_every_bad_clip_is_refused_with_a_message_and_the_server_keeps_serving(server, bad):
    url, _ = server
    for name, (data, status, says) in bad.items():
        response = httpx.post(f"{url}/process_video", files={"file": ("upload.mp4", data)}, timeout=120)
        assert response.status_code == status, (name, response.text)
        assert says in response.json()["error"] and "Traceback" not in response.text, name
        assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200


def test_bad_clips_in_the_core_raise_the_error_the_status_comes_from(bad, predictor, tmp_path):
    for name, (data, status, says) in bad.items():
        path = tmp_path / "upload.mp4"
        path.write_bytes(data)
        expected = VideoTooLarge if status == 413 else VideoError
        with pytest.raises(expected, match=says or None):
            check_video_file(path)
            analyse_clip(predictor, path)
        assert name


def test_rest_answers_people_and_422_when_nobody_is_in_the_clip(server, clip, no_face_clip):
    url, _ = server
    response = httpx.post(f"{url}/process_video", files={"file": ("clip.webm", clip.read_bytes())}, timeout=120)
    assert response.status_code == 200, response.text
    check_people(response.json())
    nobody = httpx.post(f"{url}/process_video", files={"file": ("n.webm", no_face_clip.read_bytes())}, timeout=120)
    assert nobody.status_code == 422 and "No face found anywhere" in nobody.json()["error"]
    over = httpx.post(f"{url}/process_video", files={"file": ("big.mp4", bytes(51 * 1024 * 1024))}, timeout=120)
    assert over.status_code == 413 and "50 MB" in over.json()["error"]
    assert httpx.post(f"{url}/process_video", data={"file": "x"}, timeout=10).status_code == 400


def test_gradio_client_and_ui_function(server, clip, bad, tmp_path):
    url, app = server
    annotated, record, message = Client(url, verbose=False).predict(handle_file(str(clip)), api_name="/predict_video")
    check_people(record)
    assert "Followed 2 people" in message and Path(annotated).suffix == ".webm"
    analysed = list(ClipEvents(app.predictor).analyse(str(clip)))[0][3]  # the page's own record of it
    rows = analysed.csv.splitlines()
    assert rows[0] == ",".join(SAMPLE_COLUMNS)
    assert len(rows) - 1 == sum(len(person["samples"]) for person in record["faces"])
    assert rounded(analysed.record) == record
    frame = person_timeline(2, record)
    assert set(frame["expression"]) == set(record["faces"][1]["samples"][0]["scores"])
    assert frame["seconds"].min() == pytest.approx(record["faces"][1]["first_seen"])
    first = record["faces"][1]["samples"][0]
    first_percent = frame[(frame["seconds"] == first["time"]) & (frame["expression"] == first["label"])]["percent"]
    # as the bars, to the tenth of a percent the timeline rounds to (the record's 0.2045 may read 20.4)
    assert first_percent.item() == pytest.approx(100 * first["scores"][first["label"]], abs=0.05 + 1e-6)
    path = tmp_path / "upload.mp4"
    path.write_bytes(bad["text"][0])
    with pytest.raises(gr.Error) as raised:
        list(ClipEvents(app.predictor).analyse(str(path)))
    assert "not a video" in raised.value.message


def test_a_timeline_breaks_where_the_person_was_out_of_view():
    samples = [{"time": seconds, "scores": dict.fromkeys(CLASSES, 1 / 7)} for seconds in (0, 0.2, 0.4, 6.0, 6.2)]
    frame = person_timeline(1, {"faces": [{"id": 1, "samples": samples}]})
    gap = frame[frame["percent"].isna()]
    assert len(gap) == len(CLASSES) and (gap["seconds"] > 0.4).all() and (gap["seconds"] < 6.0).all()
    assert frame["percent"].notna().sum() == 5 * len(CLASSES)  # one break, between 0.4 s and 6 s only


def test_the_ui_keeps_no_temporary_file(server, clip, tmp_path, monkeypatch):
    _, app = server
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    outputs = list(ClipEvents(app.predictor).analyse(str(clip)))
    assert len(outputs) == 1 and Path(outputs[0][0]).name == "clip-annotated.webm"
    assert Path(outputs[0][0]).parent.parent == scratch_folder()  # the app's own folder
    assert list(tmp_path.iterdir()) == [] and list(scratch_folder().iterdir()) == []  # removed once handed over


def test_cli_prints_one_json_line_per_person(clip, bad, tiny_model_path, tmp_path, capsys):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(bad["text"][0])
    status = cli_main(["predict", "--model", str(tiny_model_path), str(clip), str(broken)])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1 and [line.get("id") for line in lines] == [1, 2, None]
    assert all(line["file"] == str(clip) and line["sample_rate"] == 5 for line in lines[:2])
    assert lines[1]["first_seen"] == pytest.approx(BOTH[0], abs=0.21) and "not a video" in lines[2]["error"]


def test_the_clip_writer_keeps_every_frame_in_order_and_says_when_encoding_failed(tmp_path, monkeypatch):
    shades = [np.full((64, 96, 3), 20 * index, np.uint8) for index in range(12)]  # more than WAITING_FRAMES
    writer = ClipWriter(tmp_path / "shades.webm", shades[0].shape, 5.0)
    for frame in shades:
        writer.write(frame, [])
    writer.close()
    capture, read = cv2.VideoCapture(str(tmp_path / "shades.webm")), []
    while (frame := capture.read()[1]) is not None:
        read.append(float(frame.mean()))
    assert read == pytest.approx([float(frame.mean()) for frame in shades], abs=6)

    failing = ClipWriter(tmp_path / "failing.webm", shades[0].shape, 5.0)
    monkeypatch.setattr(failing, "writer", type("Broken", (), {"write": cv2_failure, "release": lambda self: None})())
    for frame in shades:  # never blocks, although nothing is encoded
        failing.write(frame, [])
    with pytest.raises(RuntimeError, match="annotated clip"):
        failing.close()


def cv2_failure(*_):
    raise cv2.error("encoder gone")


def test_a_clip_whose_frames_are_larger_than_its_header_says_is_refused(predictor, tmp_path):
    clip = lying_clip(tmp_path / "lying.avi", (2560, 1440), (640, 426))
    with pytest.raises(VideoTooLarge, match="2560x1440"):
        analyse_clip(predictor, clip)


def test_clips_are_analysed_one_at_a_time_in_a_thread_of_lower_priority(predictor, tmp_path, astronaut):
    clip = tmp_path / "clip.mp4"
    write_clip(clip, [astronaut] * 6, fps=5)
    seen = []
    analyse_clip(
        predictor,
        clip,
        progress=lambda _: seen.append(
            (threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        ),
    )
    assert seen and all(name.startswith("emotion-clip") for name, _ in seen)
    assert all(niceness >= os.getpriority(os.PRIO_PROCESS, 0) + 10 or niceness == 19 for _, niceness in seen)


def lying_clip(path: Path, true_size: tuple[int, int], said: tuple[int, int]) -> Path:
    """An MJPEG AVI whose frames are `true_size` and whose headers say `said`."""
    frames = [np.full((true_size[1], true_size[0], 3), 90, np.uint8)] * 3
    write_clip(path, frames, fps=5, codec="MJPG")
    data = bytearray(path.read_bytes())
    main = data.index(b"avih") + 8  # AVIMAINHEADER: width and height are its 9th and 10th fields
    struct.pack_into("<II", data, main + 32, *said)
    stream_format = data.index(b"strf") + 8  # BITMAPINFOHEADER: size, width, height
    struct.pack_into("<ii", data, stream_format + 4, *said)
    path.write_bytes(bytes(data))
    return path


def test_a_clip_whose_requester_has_gone_stops_at_once(predictor, tmp_path, astronaut):
    clip = tmp_path / "clip.mp4"
    write_clip(clip, [astronaut] * 30, fps=10)
    asked = []

    def gone() -> bool:
        asked.append(True)
        return len(asked) > 3

    with pytest.raises(Abandoned):
        analyse_clip(predictor, clip, gone=gone)
    assert len(asked) == 4  # asked before each frame, stopped at the first "gone"


def test_a_clip_whose_frames_grow_after_the_first_is_refused_at_the_first_large_frame(predictor, tmp_path):
    """OpenCV scales every frame to the first one's size: a 640x360 clip that switched to 16384x8192 frames was
    analysed, and took the app up by 1 GB."""
    clip = tmp_path / "growing.avi"
    clip.write_bytes(size_switching_avi((640, 360), (2560, 1440)))
    with pytest.raises(VideoTooLarge, match="2560x1440"):
        analyse_clip(predictor, clip)
    clip.write_bytes(size_switching_avi((640, 360), (1280, 720)))  # within the limit: analysed
    assert analyse_clip(predictor, clip).duration == pytest.approx(2.0)
