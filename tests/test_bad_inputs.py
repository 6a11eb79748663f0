"""Every kind of upload a public demo gets, through all three doors: REST, the UI function, the CLI.

Each kind has one expected outcome: faces found, no face (422), or a clear error (400 / 413) whose
message a person understands. The REST cases also check that the server still answers afterwards.
"""

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import httpx
import numpy as np
import pytest
from PIL import Image

from emotion.__main__ import main as cli_main
from emotion.app.page.photo_results import PhotoAnalysis
from emotion.labels import CLASSES
from tests.helpers import ASTRONAUT_FACE, encode, with_exif_orientation

Photos = dict[str, np.ndarray]


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Photos], bytes]  # the file's bytes, from the test photos
    status: int  # what POST /process_image answers
    says: str = ""  # part of the error message (400 / 413)
    min_faces: int = 1  # for status 200


def exif_jpeg(orientation: int) -> Callable[[Photos], bytes]:
    return lambda photos: with_exif_orientation(Image.fromarray(photos["astronaut"]), orientation, "JPEG", quality=95)


def animated_gif(photos: Photos) -> bytes:
    first, second = Image.fromarray(photos["astronaut"]), Image.fromarray(photos["no_face"]).resize((512, 512))
    buffer = io.BytesIO()
    first.save(buffer, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    return buffer.getvalue()


def huge_photo(photos: Photos) -> bytes:
    """24 megapixels (under the 40 MP limit) with the face in it, as a JPEG under 10 MB."""
    canvas = Image.new("RGB", (6000, 4000), (90, 110, 130))
    canvas.paste(Image.fromarray(photos["astronaut"]).resize((4000, 4000), Image.Resampling.BILINEAR), (1000, 0))
    return encode(canvas, "JPEG", quality=80)


def twelve_faces(photos: Photos) -> bytes:
    face = Image.fromarray(photos["astronaut"]).crop(ASTRONAUT_FACE).resize((160, 180))
    grid = Image.new("RGB", (160 * 4, 180 * 3))
    for index in range(12):
        grid.paste(face, ((index % 4) * 160, (index // 4) * 180))
    return encode(grid, "JPEG", quality=90)


def sixteen_bit_gray(photos: Photos) -> bytes:
    gray = np.asarray(Image.fromarray(photos["astronaut"]).convert("L"), dtype=np.uint16) * 257
    return encode(Image.fromarray(gray), "PNG")  # uint16 -> mode I;16


def astronaut_as(format: str, mode: str = "RGB", **options) -> Callable[[Photos], bytes]:
    return lambda photos: encode(Image.fromarray(photos["astronaut"]).convert(mode), format, **options)


def cut(make: Callable[[Photos], bytes], fraction: float) -> Callable[[Photos], bytes]:
    def truncated(photos: Photos) -> bytes:
        data = make(photos)
        return data[: int(len(data) * fraction)]

    return truncated


NOT_AN_IMAGE = "not an image we can read"
DAMAGED = "damaged or truncated"
CASES = [
    Case("empty file", lambda photos: b"", 400, "empty"),
    Case("random bytes", lambda photos: np.random.default_rng(7).bytes(5000), 400, NOT_AN_IMAGE),
    Case("text named .jpg", lambda photos: b"Dear team, the photo is attached.\n" * 20, 400, NOT_AN_IMAGE),
    Case("svg", lambda photos: b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="5"/></svg>', 400, NOT_AN_IMAGE),
    Case("format outside the allow-list (PCX)", astronaut_as("PCX"), 400, NOT_AN_IMAGE),
    Case("truncated JPEG", cut(astronaut_as("JPEG"), 0.5), 400, DAMAGED),
    Case("truncated PNG", cut(astronaut_as("PNG"), 0.5), 400, DAMAGED),
    Case(
        "PNG decompression bomb 30000x30000",
        lambda photos: encode(Image.new("1", (30000, 30000)), "PNG"),
        413,
        "megapixels",
    ),
    Case("over 10 MB", lambda photos: b"\xff\xd8\xff" + bytes(11 * 1024 * 1024), 413, "10 MB"),
    Case("huge legal photo (24 MP)", huge_photo, 200),
    Case("1x1 image", lambda photos: encode(Image.new("RGB", (1, 1), "white"), "PNG"), 422),
    Case("10x10 image", lambda photos: encode(Image.new("RGB", (10, 10), "gray"), "PNG"), 422),
    Case("16-bit grayscale PNG", sixteen_bit_gray, 200),
    Case("CMYK JPEG", astronaut_as("JPEG", "CMYK"), 200),
    Case("RGBA PNG", astronaut_as("PNG", "RGBA"), 200),
    Case("palette PNG", astronaut_as("PNG", "P"), 200),
    Case("animated GIF (first frame has the face)", animated_gif, 200),
    Case("TIFF", astronaut_as("TIFF"), 200),
    Case("WebP", astronaut_as("WEBP", quality=90), 200),
    Case("BMP", astronaut_as("BMP"), 200),
    *[Case(f"JPEG with EXIF orientation {n}", exif_jpeg(n), 200) for n in range(1, 9)],
    Case("photo with no face", lambda photos: encode(Image.fromarray(photos["no_face"]), "PNG"), 422),
    Case("photo with 12 faces", twelve_faces, 200, min_faces=10),
]
IDS = [case.name for case in CASES]


@pytest.fixture(scope="module")
def photos(astronaut: np.ndarray, no_face: np.ndarray) -> Photos:
    return {"astronaut": astronaut, "no_face": no_face}


@pytest.fixture(scope="module")
def astronaut_box(predictor, astronaut: np.ndarray) -> np.ndarray:
    return np.array(predictor.predict(astronaut)[0].box)


def check_faces(case: Case, faces: list[dict], astronaut_box: np.ndarray) -> None:
    assert len(faces) >= case.min_faces
    if case.name.startswith("JPEG with EXIF"):  # upright again: the face is where it is in the upright photo
        assert np.abs(np.array(faces[0]["box"]) - astronaut_box).max() <= 6


def test_matrix_has_at_least_twenty_kinds():
    assert len({case.name.split(" orientation")[0] for case in CASES}) >= 20


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_rest_endpoint(case: Case, photos: Photos, server, astronaut_box):
    url, _ = server
    response = httpx.post(f"{url}/process_image", files={"file": ("upload.jpg", case.make(photos))}, timeout=120)
    assert response.status_code == case.status, response.text
    body = response.json()
    if case.status == 200:
        check_faces(case, body["faces"], astronaut_box)
    elif case.status == 422:
        assert "No face found" in body["error"]
    else:
        assert case.says in body["error"] and "Traceback" not in response.text
    assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_ui_function(case: Case, photos: Photos, server, astronaut_box, tmp_path):
    """What the page's Find faces button runs, on the file Gradio stored for the upload."""
    _, app = server
    path = tmp_path / "upload.jpg"
    path.write_bytes(case.make(photos))
    analysis = PhotoAnalysis(app.predictor, results=None)  # analyse fills no component itself
    if case.status >= 400 and case.status != 422:
        with pytest.raises(gr.Error) as raised:
            analysis.analyse(str(path))
        assert case.says in raised.value.message
        return
    annotated, faces, message, result = analysis.analyse(str(path))
    assert Path(annotated).name == "upload-faces.png" and len(result.faces) == len(faces)
    if case.status == 422:
        assert faces == [] and "No face found" in message
    else:
        check_faces(case, faces, astronaut_box)
        assert message.startswith(f"Found {len(faces)} face") and set(faces[0]["scores"]) == set(CLASSES)


@pytest.mark.slow
def test_cli_on_every_kind(photos: Photos, tiny_model_path, astronaut_box, tmp_path, capsys):
    paths = []
    for number, case in enumerate(CASES):
        paths.append(tmp_path / f"{number:02d}.jpg")
        paths[-1].write_bytes(case.make(photos))
    status = cli_main(["predict", "--json", "--model", str(tiny_model_path), *map(str, paths)])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1 and len(records) == len(CASES)
    for case, record in zip(CASES, records, strict=True):
        if case.status == 200:
            check_faces(case, record["faces"], astronaut_box)
        elif case.status == 422:
            assert record["faces"] == [], case.name
        elif case.name == "over 10 MB":  # the CLI reads local files of any size; junk is still junk
            assert NOT_AN_IMAGE in record["error"] or DAMAGED in record["error"]
        else:
            assert case.says in record["error"], case.name
