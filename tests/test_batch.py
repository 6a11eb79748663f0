"""Batch analysis (python -m emotion batch) on a real two-node Ray cluster on loopback (harness.cluster),
through RAY_ADDRESS: the three tables agree with Predictor.predict and the clip path, the tasks run on both
nodes, a rerun resumes, a killed worker loses and repeats nothing, bad files are rows with their errors."""

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from emotion.images import open_image
from emotion.labels import CLASSES
from emotion.video import analyse_clip
from harness.clips import write_clip
from harness.cluster import running_cluster
from harness.server import RAY_LOOPBACK
from tests.helpers import ROOT

pytest.importorskip("ray")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    """RAY_ADDRESS of a two-node Ray cluster on loopback (harness.cluster: a raylet a node, one CPU each), and the
    listening sockets that were there before it; shut down afterwards, with no `ray stop` needed."""
    environment = os.environ | RAY_LOOPBACK
    before = listening()
    with running_cluster(2, environment) as address:
        yield address, environment | {"RAY_ADDRESS": address}, before


def listening() -> set[str]:
    """The local addresses of every listening TCP socket on the machine (`ss`)."""
    lines = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=True).stdout.splitlines()
    return {line.split()[3] for line in lines}


def loopback(address: str) -> bool:
    return address.startswith(("127.", "[::ffff:127.", "[::1]"))


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, astronaut, two_faces, no_face) -> Path:
    """Photos (one face, two faces, none), a clip, and bad files, in nested folders."""
    root = tmp_path_factory.mktemp("archive")
    (root / "holiday" / "day1").mkdir(parents=True)
    Image.fromarray(astronaut).save(root / "holiday" / "astronaut.jpg")
    Image.fromarray(two_faces).save(root / "holiday" / "day1" / "two.png")
    Image.fromarray(no_face).save(root / "holiday" / "day1" / "pattern.png")
    for index in range(12):  # enough files for several batches
        Image.fromarray(np.ascontiguousarray(astronaut[:, ::-1] if index % 2 else astronaut)).resize(
            (256 + index * 8, 256 + index * 8)
        ).save(root / f"copy{index:02d}.jpg")
    write_clip(root / "interview.mp4", [astronaut] * 10, fps=5)
    small = np.asarray(Image.fromarray(astronaut).resize((160, 160)))
    write_clip(root / "long.mp4", [small] * 2 * 65, fps=2)  # over the app's 60 s: an archive has no length limit
    (root / "empty.jpg").write_bytes(b"")
    (root / "notes.jpg").write_text("not an image at all")
    (root / "truncated.mp4").write_bytes((root / "interview.mp4").read_bytes()[:600])
    return root


def batch(environment: dict, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "emotion", "batch", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )


def tables(out: Path) -> dict[str, pd.DataFrame]:
    from emotion.batch.tables import file_rows

    return {name: file_rows(out, "parquet", name) for name in ("faces", "clip_samples", "files")}


def test_a_batch_on_a_cluster_agrees_with_the_photo_and_clip_paths(cluster, archive, tmp_path, shipped_predictor):
    address, environment, before = cluster
    assert address.startswith("127.0.0.1:")
    out = tmp_path / "out"
    result = batch(
        environment,
        str(archive / "holiday"),
        str(archive / "copy0*.jpg"),
        str(archive / "*.mp4"),
        str(archive / "empty.jpg"),
        str(archive / "notes.jpg"),
        "--out",
        str(out),
    )
    assert result.returncode == 1, result.stderr[-3000:]  # some files failed: the exit status says so
    first, *progress = result.stderr.splitlines()  # standard error is a file here: whole progress lines
    assert first.endswith("files for 2 workers; each loads the model first") and progress, result.stderr[-3000:]
    assert all(re.fullmatch(r"\d+/\d+ files(, [0-9.]+ files/s, about \d+ s left)?", line) for line in progress)
    assert "files/s" in progress[-1]  # nothing else: no warning, no log line of Ray's
    faces, samples, files = tables(out).values()
    by_file = files.set_index("file")
    assert len(files) == len(set(files["file"])) == 3 + 10 + 3 + 2
    assert by_file.loc[str(archive / "long.mp4"), "status"] == "ok"
    assert samples[samples["file"] == str(archive / "long.mp4")]["time"].max() > 64
    assert by_file.loc[str(archive / "empty.jpg"), "status"] == "The file is empty."
    assert "not an image" in by_file.loc[str(archive / "notes.jpg"), "status"]
    assert by_file.loc[str(archive / "truncated.mp4"), "status"] not in ("ok", "no face")
    assert by_file.loc[str(archive / "holiday" / "day1" / "pattern.png"), "status"] == "no face"
    for path in [
        archive / "holiday" / "astronaut.jpg",
        archive / "holiday" / "day1" / "two.png",
        archive / "copy03.jpg",
    ]:
        expected = shipped_predictor.predict(open_image(path))
        rows = faces[faces["file"] == str(path)].sort_values("face")
        assert by_file.loc[str(path), "faces"] == len(expected) == len(rows)
        for face, row in zip(expected, rows.itertuples(), strict=True):
            assert (row.x, row.y, row.width, row.height) == face.box and row.label == face.label
            assert np.allclose(
                [getattr(row, name) for name in CLASSES], [face.scores[name] for name in CLASSES], atol=1e-5
            )
            assert row.warnings == "; ".join(face.warnings) and row.detector_score == pytest.approx(face.detector_score)
    clip = analyse_clip(shipped_predictor, archive / "interview.mp4")
    clip_rows = samples[samples["file"] == str(archive / "interview.mp4")]
    assert by_file.loc[str(archive / "interview.mp4"), "faces"] == len(clip.faces)
    assert len(clip_rows) == sum(len(person.samples) for person in clip.faces)
    first = clip.faces[0].samples[0]
    row = clip_rows.sort_values(["person", "time"]).iloc[0]
    assert row["time"] == first.time and np.allclose(
        [row[name] for name in CLASSES], [first.scores[name] for name in CLASSES], atol=1e-5
    )
    nodes = subprocess.run(
        [
            sys.executable,
            "-c",
            "import ray; ray.init(); print([n['NodeManagerAddress'] for n in ray.nodes() if n['Alive']])",
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert nodes.stdout.strip().splitlines()[-1] == "['127.0.0.1', '127.0.0.1']", nodes.stderr[-2000:]  # 2 nodes
    assert files["node"].nunique() == 2  # the tasks ran on both
    assert not [address for address in listening() - before if not loopback(address)]  # nothing beyond loopback


def test_a_rerun_skips_what_is_done_and_finishes_the_rest(cluster, archive, tmp_path):
    _, environment, _ = cluster
    out = tmp_path / "out"
    assert batch(environment, str(archive / "copy0*.jpg"), "--out", str(out)).returncode == 0
    assert len(tables(out)["files"]) == 10
    again = batch(environment, str(archive / "copy*.jpg"), "--out", str(out))  # two more files
    assert again.returncode == 0 and "2 ok" in again.stdout and "10 already done" in again.stdout
    files = tables(out)["files"]
    assert files["file"].is_unique and set(files["file"]) == {str(path) for path in archive.glob("copy*.jpg")}


def run_killing(kill: Callable[[], str | None], environment: dict, archive: Path, out: Path, *options: str) -> None:
    """The batch over the archive while `kill` is tried, from when the first task's rows are written, until it
    kills something (it returns what it killed); then every file of the archive is in the tables once."""
    killed, finished = [], threading.Event()

    def killer() -> None:
        while not finished.is_set() and not killed:
            if list((out / "files.parquet").glob("part-*")) and (victim := kill()):
                killed.append(victim)
            time.sleep(0.05)

    thread = threading.Thread(target=killer)
    thread.start()
    result = batch(environment, str(archive), "--out", str(out), *options)
    finished.set()
    thread.join()
    assert killed, "nothing was killed: the run ended before its first part"
    files = tables(out)["files"]
    everything = {str(path) for path in archive.rglob("*") if path.is_file()}
    assert set(files["file"]) == everything and files["file"].is_unique, result.stderr[-2000:]
    assert not tables(out)["faces"].duplicated(["file", "face"]).any()


def kill_newest(pattern: str) -> str | None:
    """kill -9 the newest process whose command line has `pattern`; its pid, or None when there is none."""
    found = subprocess.run(["pgrep", "-n", "-f", pattern], capture_output=True, text=True).stdout.split()
    if found:
        subprocess.run(["kill", "-9", found[0]])
    return found[0] if found else None


def test_a_worker_killed_mid_job_loses_no_file_and_repeats_none(cluster, archive, tmp_path):
    _, environment, _ = cluster
    run_killing(lambda: kill_newest("ray::MapWorker"), environment, archive, tmp_path / "out", "--workers", "2")


def test_a_worker_node_lost_mid_run_loses_no_file_and_repeats_none(archive, tmp_path):
    """A cluster of its own, whose second node's raylet (the newest: started after the head's) is killed: the
    files it held are analysed again on the node left, each once."""
    environment = os.environ | RAY_LOOPBACK
    with running_cluster(2, environment) as address:
        run_killing(
            lambda: kill_newest("raylet/raylet"), environment | {"RAY_ADDRESS": address}, archive, tmp_path / "out"
        )
