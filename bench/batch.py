"""Batch analysis' speed: `python -m emotion batch` beside `python -m emotion predict` on the same photos, in one
run, then with 1, 2 and 4 workers on a local cluster (`ray start --head` on loopback), and clips against their
own length.

    pip install -r requirements-batch.txt
    python -m bench.batch [--photos ../shared/photos-dev] [--count 500] [--clips 4] [--clip-seconds 60]
    python -m bench.batch --archive 5000     # instead: a 5,000-photo archive, and one node against two

Every figure is the whole command's wall time (start-up and the model's loading included) over the files; beside
it, the rate once started, since the first result: predict's from when its first and last lines came, batch's as
its progress line reports it.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from emotion.images import open_image, to_rgb_array
from harness.clips import panning_frames, write_clip
from harness.cluster import running_cluster
from harness.machine import describe_machine
from harness.server import RAY_LOOPBACK, ROOT, free_port
from train.data import labelled_photos


def timed_predict(photos: list[str], environment: dict) -> tuple[float, float]:
    """`emotion predict`'s wall time in seconds, and its photos a second from its first line to its last."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "emotion", "predict", *photos]
    with subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as run:
        arrivals = [time.perf_counter() for _ in run.stdout]
    return time.perf_counter() - started, (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])


def timed(command: list[str], environment: dict) -> tuple[float, str]:
    """The command's wall time in seconds, and its rate once started as its last progress line says it."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=environment, check=False, capture_output=True, timeout=3600)
    rates = re.findall(r"([0-9.]+) files/s", done.stderr.decode())
    return time.perf_counter() - started, f"{rates[-1]} files/s once started" if rates else "no progress line"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, default=ROOT.parent / "shared" / "photos-dev")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--clips", type=int, default=4)
    parser.add_argument("--clip-seconds", type=float, default=60.0)
    parser.add_argument("--archive", type=int, default=0, help="photos (links, repeating the folder's) in an archive")
    arguments = parser.parse_args()
    print(describe_machine())
    if arguments.archive:
        return archive_and_nodes(arguments.photos, arguments.archive)
    photos = [str(path) for path, _ in labelled_photos(arguments.photos)][: arguments.count]
    environment = os.environ | RAY_LOOPBACK
    ray = str(Path(sys.executable).with_name("ray"))
    with tempfile.TemporaryDirectory() as scratch:
        alone, predict_started = timed_predict(photos, environment)
        local, started = timed(
            [sys.executable, "-m", "emotion", "batch", *photos, "--out", f"{scratch}/local"], environment
        )
        print(
            f"{len(photos)} photos: predict {len(photos) / alone:.1f} photos/s ({predict_started:.1f} "
            f"once started); batch, Ray started here on this machine's cores, {len(photos) / local:.1f} photos/s "
            f"({alone / local:.2f}x; {started})"
        )
        port = free_port()
        # One head node offering 4 CPUs to the 2 cores: Ray's loopback-only mode refuses a second node on the same
        # machine ("Multi-node Ray clusters are not supported"), docs/batch.md.
        head = [ray, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=4"]
        subprocess.run([*head, "--include-dashboard=false"], env=environment, check=True, capture_output=True)
        try:
            cluster = environment | {"RAY_ADDRESS": f"127.0.0.1:{port}"}
            for workers in (1, 2, 4):
                seconds, started = timed(
                    [
                        sys.executable,
                        "-m",
                        "emotion",
                        "batch",
                        *photos,
                        "--out",
                        f"{scratch}/w{workers}",
                        "--workers",
                        str(workers),
                    ],
                    cluster,
                )
                print(
                    f"  on the cluster (`ray start --head`, 4 CPUs offered), {workers} workers: "
                    f"{len(photos) / seconds:.1f} photos/s ({started})"
                )
            clips = []
            face = to_rgb_array(open_image(ROOT / "assets" / "examples" / "group.jpg"))
            for index in range(arguments.clips):
                clips.append(f"{scratch}/clip{index}.mp4")
                write_clip(Path(clips[-1]), panning_frames(face, seconds=arguments.clip_seconds))
            workers = str(os.cpu_count())  # one a core: each clip is a task of its own
            command = [sys.executable, "-m", "emotion", "batch", *clips, "--out", f"{scratch}/clips", "--workers"]
            seconds, _ = timed([*command, workers], cluster)
            print(
                f"{arguments.clips} clips of {arguments.clip_seconds:g} s (1280x720, 30 frames/s), {workers} workers: "
                f"{arguments.clip_seconds * arguments.clips / seconds:.1f}x real time"
            )
        finally:
            subprocess.run([ray, "stop", "--force"], env=environment, capture_output=True)


def archive_and_nodes(folder: Path, count: int) -> None:
    """A whole archive of `count` photos: predict against batch (Ray started here), then one worker on a one-node
    cluster against one worker on each node of a two-node one (harness.cluster: one CPU a node)."""
    photos = [path for path, _ in labelled_photos(folder)]
    environment = os.environ | RAY_LOOPBACK
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "archive"
        archive.mkdir()
        for index in range(count):
            source = photos[index % len(photos)]
            (archive / f"{index:05d}{source.suffix}").symlink_to(source.resolve())
        files = [str(path) for path in sorted(archive.iterdir())]
        alone, predict_started = timed_predict(files, environment)
        print(
            f"{count} photos: predict {alone:.1f} s ({count / alone:.1f} photos/s; {predict_started:.1f} once started)"
        )
        batch = [sys.executable, "-m", "emotion", "batch", str(archive), "--out"]
        local, started = timed([*batch, f"{scratch}/local"], environment)
        print(
            f"  batch, Ray started here: {local:.1f} s ({count / local:.1f} photos/s, {alone / local:.2f}x; {started})"
        )
        for nodes in (1, 2):
            with running_cluster(nodes, environment) as address:
                seconds, started = timed([*batch, f"{scratch}/n{nodes}"], environment | {"RAY_ADDRESS": address})
            print(f"  {nodes} node(s), one worker each: {seconds:.1f} s ({count / seconds:.1f} photos/s; {started})")


if __name__ == "__main__":
    main()
