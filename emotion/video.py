"""Video clips: every face followed through a clip with the live mode's tracker, a timeline per person, and an
annotated clip to keep.

OpenCV's VideoCapture reads the clip one frame at a time (memory holds a few frames, never the clip); frames
between samples are only grabbed (decoded, not converted). Every sampled frame goes through the photo pipeline
(emotion.Predictor) and emotion.tracking.FaceTracker, which keeps each face's number and smooths its
probabilities over the clip's own time. The annotated clip, one frame per sample, is written by
emotion.annotated_clip.
"""

import contextlib
import contextvars
import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from emotion.annotated_clip import ClipWriter, annotated_frame
from emotion.clip_limits import APP_LIMITS, ClipLimits
from emotion.drawing import draw_faces
from emotion.errors import VideoError, VideoTooLarge
from emotion.labels import CLASSES
from emotion.predictor import Predictor
from emotion.tracking import FaceTracker

SAMPLE_RATE = 5.0  # frames analysed per second of clip
# Clips are analysed one at a time, whoever sends them (the page and REST together), in one thread of their own
# at a lower CPU priority, so that photos, which take milliseconds, go first while a clip takes seconds.
CLIP_NICENESS = 10


def lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):  # Linux sets it per thread; elsewhere it stays as it is
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), CLIP_NICENESS)


CLIP_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="emotion-clip", initializer=lower_priority)
LIMITS_TEXT = (
    f"Clips up to {APP_LIMITS.max_bytes // (1024 * 1024):.0f} MB, {APP_LIMITS.max_seconds:.0f} seconds and "
    f"{APP_LIMITS.frame_text} "
    f"(MP4, WebM or MOV); {SAMPLE_RATE:g} frames a second are analysed."
)


@dataclass(frozen=True)
class Sample:
    time: float  # seconds from the clip's start
    box: tuple[int, int, int, int]  # x, y, width, height in the clip's pixels
    label: str  # the most probable class after smoothing
    scores: dict[str, float]  # smoothed probabilities, emotion.CLASSES order


@dataclass
class Person:
    id: int  # the tracker's number: kept while the face stays in view
    first_seen: float
    last_seen: float
    samples: list[Sample] = field(default_factory=list)


@dataclass
class ClipResult:
    duration: float  # seconds of clip read
    sample_rate: float  # frames analysed per second
    faces: list[Person]  # one per person followed, in order of first appearance

    def to_dict(self) -> dict:
        return {
            "duration": self.duration,
            "sample_rate": self.sample_rate,
            "faces": [
                asdict(person) | {"samples": [asdict(sample) | {"box": list(sample.box)} for sample in person.samples]}
                for person in self.faces
            ],
        }


def check_video_file(path: Path, limits: ClipLimits = APP_LIMITS) -> None:
    """Refuse a file by its size before anything decodes it."""
    size = path.stat().st_size
    if size == 0:
        raise VideoError("The file is empty.")
    if size > limits.max_bytes:
        raise VideoTooLarge(f"The clip is larger than the {limits.max_bytes // (1024 * 1024):.0f} MB limit.")


def too_many_pixels(width: float, height: float, limits: ClipLimits) -> VideoTooLarge | None:
    if width * height <= limits.max_frame[0] * limits.max_frame[1]:
        return None
    return VideoTooLarge(f"The clip's frames are {width:.0f}x{height:.0f}; the limit is {limits.frame_text}.")


def open_clip(path: Path, limits: ClipLimits = APP_LIMITS) -> tuple[cv2.VideoCapture, float]:
    """An opened capture and its frame rate, after the checks its header allows (length, resolution)."""
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not capture.isOpened():
        capture.release()
        raise VideoError(
            "This file is not a video we can read (no picture stream found): please send an MP4, WebM or MOV clip."
        )
    fps = capture.get(cv2.CAP_PROP_FPS)
    width, height = capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT)
    frames = capture.get(cv2.CAP_PROP_FRAME_COUNT)
    problem = None
    if not math.isfinite(fps) or fps <= 0 or fps > 1000 or width <= 0 or height <= 0:
        problem = VideoError("This file has no video we can read (no picture stream, or a damaged header).")
    elif 0 < frames < 2:
        problem = VideoError("This file is a still picture, not a clip: send it as a photo (the Upload tab).")
    elif frames > 0 and frames / fps > limits.max_seconds + 1 / fps:
        problem = VideoTooLarge(f"The clip is {frames / fps:.0f} seconds long; the limit is {limits.max_seconds:.0f}.")
    problem = problem or too_many_pixels(width, height, limits)
    if problem:
        capture.release()
        raise problem
    return capture, fps


def check_clip(path: Path, limits: ClipLimits = APP_LIMITS) -> None:
    """What can be refused before decoding: the file's size, and the length and resolution its header gives."""
    check_video_file(path, limits)
    capture, _ = open_clip(path, limits)
    capture.release()


def analyse_clip(
    predictor: Predictor,
    path: Path,
    sample_rate: float = SAMPLE_RATE,
    annotated: Path | None = None,
    progress: Callable[[float], None] | None = None,
    limits: ClipLimits = APP_LIMITS,
) -> ClipResult:
    """Follow every face through the clip at `path`, `sample_rate` frames a second; write the annotated clip to
    `annotated` (.webm) if given. `progress` gets the fraction of the clip done. Raises VideoError when the clip
    cannot be read or has fewer than two frames, VideoTooLarge over a limit. Runs in CLIP_WORKER: one clip at a
    time, the others wait, and photos never wait behind them."""
    check_video_file(path, limits)  # an empty or oversized file is refused at once, not behind the clips ahead
    work = contextvars.copy_context().run  # the caller's context (Gradio's progress bar) goes with the work
    return CLIP_WORKER.submit(work, follow_faces, predictor, path, sample_rate, annotated, progress, limits).result()


def follow_faces(
    predictor: Predictor,
    path: Path,
    sample_rate: float,
    annotated: Path | None,
    progress: Callable[[float], None] | None,
    limits: ClipLimits,
) -> ClipResult:
    capture, fps = open_clip(path, limits)
    total_frames = capture.get(cv2.CAP_PROP_FRAME_COUNT)
    tracker, people, writer = FaceTracker(predictor.recognizer), {}, None
    frame_index, next_sample, frame_time = 0, 0.0, 0.0
    try:
        while capture.grab():
            frame_time = frame_index / fps
            frame_index += 1
            if frame_time > limits.max_seconds + 0.5 / fps:
                raise VideoTooLarge(f"The clip is longer than the {limits.max_seconds:.0f} second limit.")
            if frame_time + 0.5 / fps < next_sample:
                continue
            next_sample = max(next_sample, frame_time) + 1 / sample_rate
            ok, bgr = capture.retrieve()
            if not ok:
                break
            if problem := too_many_pixels(bgr.shape[1], bgr.shape[0], limits):  # the header may say less
                raise problem
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            tracked = tracker.update(predictor.predict(rgb), frame_time, rgb)
            for face in tracked:
                person = people.setdefault(face.number, Person(face.number, round(frame_time, 3), 0.0))
                person.last_seen = round(frame_time, 3)
                person.samples.append(Sample(round(frame_time, 3), face.face.box, face.face.label, face.face.scores))
            if annotated is not None:
                drawn = np.asarray(
                    draw_faces(rgb, [face.face for face in tracked], numbers=[face.number for face in tracked])
                )
                writer = writer or ClipWriter(annotated, drawn.shape, sample_rate)
                writer.write(cv2.cvtColor(annotated_frame(drawn), cv2.COLOR_RGB2BGR))
            if progress is not None and total_frames > 0:
                progress(min(frame_index / total_frames, 1.0))
    finally:
        capture.release()
        if writer is not None:
            writer.close()
    if progress is not None:
        progress(1.0)
    if frame_index < 2:
        raise VideoError(
            "The clip has no video frames we can decode (it may be a still image, audio only, or damaged)."
        )
    return ClipResult(
        round(frame_index / fps, 3), min(sample_rate, round(fps, 3)), [people[number] for number in sorted(people)]
    )


CSV_HEADER = ["person", "time", "label", "x", "y", "width", "height", *CLASSES]


def csv_rows(result: ClipResult) -> list[list]:
    """The clip's samples as CSV rows under CSV_HEADER, person by person."""
    return [
        [person.id, sample.time, sample.label, *sample.box, *(round(sample.scores[name], 4) for name in CLASSES)]
        for person in result.faces
        for sample in person.samples
    ]
