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
