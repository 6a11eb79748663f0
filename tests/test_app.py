"""The real app on a free loopback port: REST endpoint, health, and Gradio's own API via gradio_client."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from emotion.app.page.components import rounded
from emotion.drawing import display_scale
from tests.helpers import ROOT, encode


def post_photo(url: str, payload: bytes, name: str = "photo.jpg", field: str = "file", query: str = ""):
    return httpx.post(f"{url}/process_image{query}", files={field: (name, payload, "image/jpeg")}, timeout=60)


def test_healthz_names_the_model(server):
    url, app = server
    response = httpx.get(f"{url}/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["model"] == app.predictor.model_card["name"] == "tiny"


def test_photo_with_two_faces(server, two_faces):
    url, app = server
    response = post_photo(url, encode(Image.fromarray(two_faces), "JPEG"))
    assert response.status_code == 200
    body = response.json()
    assert len(body["faces"]) == 2
    assert body["result"] == body["faces"][0]["label"]
    expected = app.predictor.predict(Image.open(io.BytesIO(encode(Image.fromarray(two_faces), "JPEG"))))
    assert [face["box"] for face in body["faces"]] == [list(face.box) for face in expected]
    assert [face["warnings"] for face in body["faces"]] == [list(face.warnings) for face in expected]
    assert all(len(face["landmarks"]) == 5 for face in body["faces"])


def test_no_face_is_422_unless_whole_image(server, no_face):
    url, _ = server
    payload = encode(Image.fromarray(no_face), "PNG")
    response = post_photo(url, payload, "pattern.png")
    assert response.status_code == 422 and "No face found" in response.json()["error"]
    response = post_photo(url, payload, "pattern.png", query="?whole_image=true")
    assert response.status_code == 200 and response.json()["faces"][0]["box"] == [0, 0, 320, 240]


@pytest.mark.parametrize(
    ("payload", "field", "status", "message"),
    [
        (b"", "file", 400, "empty"),
        (b"just some text", "file", 400, "not an image"),
        (b"\xff\xd8\xff\xe0" + bytes(200), "file", 400, "not an image"),
        (b"irrelevant", "photo", 400, "field named 'file'"),
        (bytes(11 * 1024 * 1024), "file", 413, "10 MB"),
    ],
    ids=["empty", "text", "jpeg-header-only", "wrong-field", "11MB"],
)
def test_bad_uploads_get_clear_errors(server, payload, field, status, message):
    url, _ = server
    response = post_photo(url, payload, field=field)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert "Traceback" not in response.text
    assert httpx.get(f"{url}/healthz").status_code == 200  # still serving


@pytest.mark.slow
def test_pixel_bomb_is_413(server):
    url, _ = server
    response = post_photo(url, encode(Image.new("1", (30000, 30000)), "PNG"), "bomb.png")
    assert response.status_code == 413 and "megapixels" in response.json()["error"]


def test_request_without_body_is_400(server):
    url, _ = server
    response = httpx.post(f"{url}/process_image")
    assert response.status_code == 400 and "multipart" in response.json()["error"]


def test_gradio_client_predict(server, astronaut, tmp_path):
    url, app = server
    path = tmp_path / "astronaut.png"
    Image.fromarray(astronaut).save(path)
    client = Client(url, verbose=False)
    annotated, faces, message = client.predict(handle_file(str(path)), api_name="/predict")
    expected = app.predictor.predict(astronaut)[0]
    # boxes, scores, landmarks and warnings, as the REST endpoint gives them, to 4 decimals
    assert faces == [rounded(expected.to_dict())] and faces[0]["scores"] != expected.scores
    assert Path(annotated).name == "astronaut-faces.png"  # what its download is called
    assert message == "Found 1 face."
    scale = display_scale(astronaut.shape[1::-1])  # drawn for the page's display box
    assert Image.open(annotated).size == (round(astronaut.shape[1] * scale), round(astronaut.shape[0] * scale))


def test_gradio_client_unreadable_file_gets_our_message(server, tmp_path, astronaut):
    """The UI path gives the same person-readable message as REST, and the app keeps serving."""
    url, _ = server
    path = tmp_path / "fake.png"
    path.write_bytes(b"not an image at all")
    client = Client(url, verbose=False)
    with pytest.raises(AppError) as raised:
        client.predict(handle_file(str(path)), api_name="/predict")
    assert "not an image we can read" in str(raised.value)
    assert "Traceback" not in str(raised.value) and str(tmp_path) not in str(raised.value)
    good = tmp_path / "good.png"
    Image.fromarray(astronaut).save(good)
    assert client.predict(handle_file(str(good)), api_name="/predict")[2] == "Found 1 face."


def test_gradio_upload_route_enforces_size_limit(server):
    url, _ = server
    response = httpx.post(f"{url}/gradio_api/upload", files={"files": ("big.mp4", bytes(51 * 1024 * 1024))})
    assert response.status_code == 413  # the clip limit; photos over 10 MB are refused by analyse (test_bad_inputs)


@pytest.mark.slow
def test_starting_the_app_on_a_cpu_prints_no_cuda_or_onednn_noise(tiny_model_path):
    """What a visitor's terminal shows at start: nothing from TensorFlow's libraries that reads like a failure."""
    started = subprocess.run(
        [sys.executable, "-c", "import app; print('built', app.predictor.served_head)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ | {"EMOTION_MODEL": str(tiny_model_path)},
    )
    assert started.returncode == 0 and "built ferplus" in started.stdout, started.stderr[-2000:]
    noise = [
        line
        for line in (started.stdout + started.stderr).splitlines()
        if re.search(r"cuInit|cuda|oneDNN|cpu_feature_guard|absl|TF_ENABLE", line, re.IGNORECASE)
    ]
    assert noise == []


def test_a_user_error_logs_one_line_and_a_real_fault_its_traceback(
    server, tmp_path, astronaut, capfd, caplog, monkeypatch
):
    url, app = server
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a photo at all")
    client = Client(url, verbose=False)
    capfd.readouterr()
    with caplog.at_level("INFO", logger="emotion.requests"), pytest.raises(AppError, match="Cannot read this file"):
        client.predict(handle_file(str(junk)), api_name="/predict")
    assert "Traceback" not in "".join(capfd.readouterr())
    assert [record.getMessage().split(":")[0] for record in caplog.records if record.name == "emotion.requests"] == [
        "ui 400"
    ]

    def broken(*arguments, **options):
        raise RuntimeError("a bug, not the user's fault")

    monkeypatch.setattr(app.predictor, "predict", broken)
    good = tmp_path / "good.png"
    Image.fromarray(astronaut).save(good)
    with pytest.raises(AppError):
        client.predict(handle_file(str(good)), api_name="/predict")
    printed = "".join(capfd.readouterr())
    assert "Traceback" in printed and "a bug, not the user's fault" in printed


def test_rest_answers_head_a_wrong_method_and_two_files_in_its_own_words(server, astronaut):
    url, _ = server
    assert httpx.head(f"{url}/healthz").status_code == 200  # monitors that probe with HEAD
    for path in ("/process_image", "/process_video"):
        answer = httpx.get(f"{url}{path}")
        assert answer.status_code == 405 and answer.headers["allow"] == "POST"
        assert answer.json() == {"error": f"{path} takes POST, not GET."}
    photo = encode(Image.fromarray(astronaut), "JPEG")
    two = httpx.post(f"{url}/process_image", files=[("file", ("a.jpg", photo)), ("file", ("b.jpg", photo))])
    assert two.status_code == 400 and two.json() == {"error": "Send one photo in the field 'file', not several."}
