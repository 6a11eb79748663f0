"""Shared fixtures: images the tests make themselves, a tiny untrained model, the shipped model if present,
and the real app served on a free loopback port."""

import importlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data as skimage_data

from emotion import CLASSES, Predictor
from emotion.app.model_card import MEASURED_ON
from emotion.layers import FerVgg
from harness.images import two_people
from tests.helpers import SHIPPED_MODEL
from tests.synthetic import FERPLUS_HEADER, ferplus_row, synthetic_faces
from train.data import write_pack


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """A public-domain photo with one frontal face (scikit-image ships it)."""
    return skimage_data.astronaut()


@pytest.fixture(scope="session")
def two_faces() -> np.ndarray:
    """The astronaut beside a smaller mirrored copy of herself: two faces of different sizes."""
    return two_people()


@pytest.fixture(scope="session")
def no_face() -> np.ndarray:
    """A drawn test pattern: gradients and a checkerboard, nothing face-like."""
    yy, xx = np.mgrid[0:240, 0:320]
    checker = ((xx // 20 + yy // 20) % 2) * 200
    return np.stack([checker, xx * 255 // 320, yy * 255 // 240], axis=-1).astype(np.uint8)


@pytest.fixture(scope="session")
def fer_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """FER2013's folder layout with ferplus.csv: 70 Training, 28 PublicTest and 21 PrivateTest synthetic faces."""
    root = tmp_path_factory.mktemp("fer2013")
    rows = [FERPLUS_HEADER]
    for split, prefix, count, seed in (
        ("train", "Training", 70, 0),
        ("test", "PublicTest", 28, 1),
        ("test", "PrivateTest", 21, 2),
    ):
        faces, labels = synthetic_faces(count, seed)
        for index, (face, label) in enumerate(zip(faces, labels, strict=True)):
            folder = root / split / CLASSES[label]
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(face).save(folder / f"{prefix}_{index}.png")
            rows.append(ferplus_row(f"{split}/{CLASSES[label]}/{prefix}_{index}.png", label, index))
    (root / "ferplus.csv").write_text("\n".join(rows) + "\n")
    return root


@pytest.fixture(scope="session")
def photo_folder(tmp_path_factory: pytest.TempPathFactory, astronaut: np.ndarray, no_face: np.ndarray) -> Path:
    """Labelled photos: the astronaut under several names and labels (both halves), and one photo without a face."""
    root = tmp_path_factory.mktemp("photos")
    for index in range(12):
        folder = root / CLASSES[index % 3]
        folder.mkdir(exist_ok=True)
        Image.fromarray(astronaut).save(folder / f"photo_{index}.jpg")
    Image.fromarray(no_face).save(root / "angry" / "no_face.jpg")
    return root


@pytest.fixture(scope="session")
def pack_path(fer_folder: Path, photo_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pack") / "pack.npz"
    write_pack(fer_folder, photo_folder, path)
    return path


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained, tiny model of the real architecture, saved as the app would load it, with a model card
    whose figures are made up (the page's About panel then shows its table as for a trained model)."""
    path = tmp_path_factory.mktemp("model") / "model.keras"
    FerVgg(widths=(4, 8), convs_per_stage=1).save(path)
    figures = {"images": 3346, "accuracy": 0.805, "macro_recall": 0.622}
    card = {"name": "tiny", "metrics": dict.fromkeys(MEASURED_ON, figures), "ferplus_vote_kl_private_test": 0.354}
    path.with_name("model_card.json").write_text(json.dumps(card))
    return path


@pytest.fixture(scope="session")
def predictor(tiny_model_path: Path) -> Predictor:
    return Predictor.load(tiny_model_path)


@pytest.fixture(scope="session")
def shipped_predictor() -> Predictor:
    if not SHIPPED_MODEL.is_file():
        pytest.skip("no trained model in assets/ yet")
    return Predictor.load()


@pytest.fixture(scope="session")
def server(tiny_model_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """(url, app module): app.py with the tiny model, its Gradio cache in a temporary folder."""
    os.environ["EMOTION_MODEL"] = str(tiny_model_path)
    os.environ["EMOTION_TEMP_DIR"] = str(tmp_path_factory.mktemp("emotion-app"))  # the app puts its cache inside
    app = importlib.import_module("app")
    _, url, _ = app.demo.launch(server_port=None, prevent_thread_lock=True)
    yield url.rstrip("/"), app
    app.demo.close()


# The browser tests' (tests/test_browser.py, tests/test_page.py): each module skips itself without Chromium.
@pytest.fixture(scope="module")
def browser(astronaut: np.ndarray, tmp_path_factory: pytest.TempPathFactory):
    """One headless Chromium whose fake camera plays a moving crop of the astronaut photo."""
    from playwright import sync_api

    from harness.browser import launch_chromium, moving_frames, write_y4m

    video = write_y4m(moving_frames(Image.fromarray(astronaut)), tmp_path_factory.mktemp("camera") / "face.y4m")
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright, video)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    url, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url)
    yield page
    context.close()


@pytest.fixture(scope="module")
def astronaut_file(astronaut: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "astronaut.png"
    Image.fromarray(astronaut).save(path)
    return path


@pytest.fixture
def phone_page(browser, server):
    from harness.browser import PHONE

    url, _ = server
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url)
    yield page
    context.close()
