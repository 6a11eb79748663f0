"""How long a clip takes: a generated 60 s 720p clip at 30 frames a second (faces from the example photos,
panning, so every frame differs) analysed at the default sampling rate, annotated clip included.

    python -m bench.video [--seconds 60] [--codec mp4v|VP80] [--keep clip.mp4]

Prints the time, the real-time factor and the CPU beside it. The clip is made first and not timed.
"""

import argparse
import tempfile
import time
from pathlib import Path

from emotion.limits import SAMPLE_RATE
from emotion.predictor import Predictor
from emotion.video import analyse_clip
from harness.clips import FPS, SIZE, benchmark_clip
from harness.machine import describe_machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--codec", default="mp4v", help="mp4v (.mp4) or VP80 (.webm)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated clip here")
    arguments = parser.parse_args()
    suffix = ".webm" if arguments.codec.startswith("VP") else ".mp4"
    predictor = Predictor.load()
    with tempfile.TemporaryDirectory() as folder:
        clip = arguments.keep or Path(folder) / f"clip{suffix}"
        benchmark_clip(clip, arguments.seconds, arguments.codec)
        started = time.perf_counter()
        result = analyse_clip(predictor, clip, annotated=Path(folder) / "annotated.webm")
        seconds = time.perf_counter() - started
        annotated_mb = (Path(folder) / "annotated.webm").stat().st_size / 1e6
    samples = sum(len(person.samples) for person in result.faces)
    print(
        f"{result.duration:.0f} s clip, {SIZE[0]}x{SIZE[1]} at {FPS} frames/s ({arguments.codec}), sampled at "
        f"{SAMPLE_RATE:g}/s: analysed in {seconds:.1f} s ({result.duration / seconds:.2f}x real time), "
        f"{len(result.faces)} people, {samples} face samples, annotated clip {annotated_mb:.1f} MB; "
        f"{describe_machine()}"
    )


if __name__ == "__main__":
    main()
