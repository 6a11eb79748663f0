"""python -m emotion predict: text and JSON output, unreadable files, exit status."""

import json

import numpy as np
from PIL import Image

from emotion.__main__ import main
from emotion.labels import CLASSES


def run(capsys, argv):
    status = main(argv)
    return status, capsys.readouterr().out.strip().splitlines()


def test_json_lines_for_good_and_bad_files(tmp_path, capsys, astronaut, no_face, tiny_model_path):
    Image.fromarray(astronaut).save(tmp_path / "face.jpg")
    Image.fromarray(no_face).save(tmp_path / "pattern.png")
    (tmp_path / "broken.jpg").write_bytes(b"not a photo")
    files = [tmp_path / "face.jpg", tmp_path / "broken.jpg", tmp_path / "pattern.png", tmp_path / "missing.jpg"]
    status, lines = run(capsys, ["predict", "--json", "--model", str(tiny_model_path), *map(str, files)])
    records = [json.loads(line) for line in lines]
    assert status == 1
    assert [r["file"] for r in records] == [str(f) for f in files]
    assert len(records[0]["faces"]) == 1 and len(records[0]["faces"][0]["box"]) == 4
    assert set(records[0]["faces"][0]["scores"]) == set(CLASSES)
    assert isinstance(records[0]["faces"][0]["warnings"], list) and len(records[0]["faces"][0]["landmarks"]) == 5
    assert "not an image" in records[1]["error"]
    assert records[2]["faces"] == []
    assert "cannot open" in records[3]["error"]


def test_text_output_and_whole_image(tmp_path, capsys, no_face, tiny_model_path):
    Image.fromarray(no_face).save(tmp_path / "pattern.png")
    status, lines = run(capsys, ["predict", "--model", str(tiny_model_path), str(tmp_path / "pattern.png")])
    assert status == 0 and "no face found" in lines[0]
    status, lines = run(
        capsys, ["predict", "--whole-image", "--model", str(tiny_model_path), str(tmp_path / "pattern.png")]
    )
    assert status == 0 and "at [0, 0, 320, 240]" in lines[0]


def test_cli_gray_face_array_input(tmp_path, capsys, tiny_model_path):
    Image.fromarray(np.full((48, 48), 128, np.uint8)).save(tmp_path / "flat.png")
    status, lines = run(
        capsys, ["predict", "--json", "--whole-image", "--model", str(tiny_model_path), str(tmp_path / "flat.png")]
    )
    assert status == 0 and len(json.loads(lines[0])["faces"]) == 1


def test_a_clip_longer_than_the_apps_limit_is_analysed(tmp_path, capsys, astronaut, tiny_model_path):
    """A person's own clips are held to the archive's limits, not the shared server's 60 seconds."""
    from emotion.errors import VideoTooLarge
    from emotion.limits import APP_LIMITS
    from emotion.video import check_clip
    from harness.clips import write_clip

    small = np.asarray(Image.fromarray(astronaut).resize((160, 160)))
    write_clip(tmp_path / "long.mp4", [small] * 2 * 65, fps=2)  # 65 s
    try:
        check_clip(tmp_path / "long.mp4")
        raise AssertionError("the app took a clip over its limit")
    except VideoTooLarge as refused:
        assert f"the limit is {APP_LIMITS.max_seconds:.0f}" in str(refused)
    status, lines = run(capsys, ["predict", "--model", str(tiny_model_path), str(tmp_path / "long.mp4")])
    person = json.loads(lines[0])
    assert status == 0 and person["duration"] == 65 and person["last_seen"] > 64


def test_the_plain_line_carries_each_face_s_warnings():
    from emotion.__main__ import describe
    from emotion.results import FaceResult

    scores = {name: (0.4 if name == "sad" else 0.1) for name in CLASSES}
    faces = [
        FaceResult((1, 2, 30, 40), scores, "sad", 0.9, None, ("blurred", "head turned")),
        FaceResult((50, 2, 30, 40), scores, "sad", 0.9),
    ]
    assert describe(faces) == "sad 40% at [1, 2, 30, 40] (blurred, head turned); sad 40% at [50, 2, 30, 40]"
