"""Batch analysis' driver (emotion.batch.driver) without a cluster: how files are cut into tasks, and that the driver
loads no model (its actors do)."""

import subprocess
import sys

from emotion.batch.driver import PHOTOS_PER_TASK, Source, tasks_of
from tests.helpers import ROOT


def test_each_clip_is_a_task_alone_largest_first_then_photos_in_groups():
    photos = [Source(f"photo{index}.jpg", "photo", 1000, 0.0) for index in range(PHOTOS_PER_TASK + 3)]
    clips = [Source("short.mp4", "clip", 10, 0.0), Source("long.mp4", "clip", 500, 0.0)]
    tasks = [task["files"] for task in tasks_of([photos[0], clips[0], *photos[1:], clips[1]])]
    assert [[file["file"] for file in task] for task in tasks[:2]] == [["long.mp4"], ["short.mp4"]]
    assert [len(task) for task in tasks[2:]] == [PHOTOS_PER_TASK, 3]
    assert [file["file"] for task in tasks[2:] for file in task] == [photo.file for photo in photos]
    assert tasks[0][0] == {"file": "long.mp4", "kind": "clip", "size": 500, "mtime": 0.0}


def test_the_batch_driver_loads_no_model():
    """Keras and TensorFlow take seconds of a core to import: the actors need them, the driver must not."""
    script = (
        "import sys, emotion.__main__, emotion.batch.driver, emotion.batch.tables; "
        "print(sorted({'keras', 'tensorflow', 'cv2'} & set(sys.modules)))"
    )
    loaded = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert loaded.stdout.strip() == "[]", loaded.stderr[-2000:]


def test_what_stops_a_run_before_it_starts_is_one_line(tmp_path, capsys):
    """No such folder, an --out that cannot be written, a cluster that does not answer: exit status 2 and one line
    each, before Ray starts (a refused connection is tried on loopback only)."""
    from emotion.__main__ import main
    from harness.server import free_port

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"not even a photo")
    (tmp_path / "a-file").write_text("")
    runs = {
        "no such file or folder, and no file matches": ["batch", str(tmp_path / "nowhere"), "--out", str(tmp_path)],
        "cannot write the tables to": ["batch", str(photo), "--out", str(tmp_path / "a-file" / "out")],
        "cannot reach the Ray cluster at 127.0.0.1:": [
            "batch",
            str(photo),
            "--out",
            str(tmp_path / "out"),
            "--address",
            f"127.0.0.1:{free_port()}",
        ],
    }
    for says, arguments in runs.items():
        assert main(arguments) == 2
        printed = capsys.readouterr()
        assert printed.out == "" and printed.err.count("\n") == 1 and printed.err.startswith(f"error: {says}"), printed
