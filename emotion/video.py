"""Video clips: every face followed through a clip with the live mode's tracker, a timeline per person, and an
annotated clip to keep.

OpenCV's VideoCapture reads the clip one frame at a time (memory holds a few frames, never the clip); frames
between samples are only grabbed (decoded, not converted); a PyAV pass checks every frame's decoded size first.
Every sampled frame goes through the photo pipeline (emotion.Predictor) and emotion.tracking.FaceTracker, which
keeps each face's number and smooths its probabilities over the clip's own time. The annotated clip, one frame per
sample, is VP8 WebM, which every browser plays (the OpenCV wheel's H.264 encoder is missing, and its MPEG-4 part 2
does not play in browsers), encoded by a thread of its own (ClipWriter).
"""

import contextlib
import contextvars
import math
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image

from emotion.drawing import draw_faces
from emotion.errors import EMPTY_FILE, NOT_A_VIDEO, STILL_PICTURE, VideoError, VideoTooLarge, too_large
from emotion.limits import APP_LIMITS, SAMPLE_RATE, ClipLimits
from emotion.predictor import Predictor
from emotion.results import ClipResult, Person, Sample
from emotion.tracking import FaceTracker

# Clips are analysed one at a time, whoever sends them (the page and REST together), in one thread of their own
# at a lower CPU priority, so that photos, which take milliseconds, go first while a clip takes seconds.
CLIP_NICENESS = 10


def lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):  # Linux sets it per thread; elsewhere it stays as it is
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), CLIP_NICENESS)


CLIP_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="emotion-clip", initializer=lower_priority)
# The annotated clip's longest side at most (360p): the page shows it in a column about 600 px wide.
ANNOTATED_SIDE = 640


def annotated_frame(rgb: np.ndarray) -> np.ndarray:
    """A drawn frame brought within ANNOTATED_SIDE, with even sides (what VP8 needs)."""
    height, width = rgb.shape[:2]
    scale = min(1.0, ANNOTATED_SIDE / max(height, width))
    size = (max(2, round(width * scale) // 2 * 2), max(2, round(height * scale) // 2 * 2))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA) if size != (width, height) else rgb


class ClipWriter:
    """The annotated clip (VP8 WebM), drawn and encoded by a thread of its own: drawing and encoding a frame take
    about as long as analysing one, so they run on the other core meanwhile (drawn by the clip's thread, the
    annotated clip made the page's analysis 1.7x REST's; docs/pipeline.md). At most WAITING_FRAMES frames wait for
    it. Started by the clip's thread, it inherits that thread's lower CPU priority (Linux)."""

    WAITING_FRAMES = 8

    def __init__(self, path: Path, frame_shape: tuple[int, ...], sample_rate: float):
        height, width = annotated_frame(np.zeros(frame_shape, np.uint8)).shape[:2]
        self.writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"VP80"), sample_rate, (width, height))
        if not self.writer.isOpened():
            raise RuntimeError("OpenCV cannot write VP8 WebM here")  # a broken install, not the user's clip
        self.frames: queue.Queue[tuple | None] = queue.Queue(maxsize=self.WAITING_FRAMES)
        self.problem: cv2.error | None = None
        self.thread = threading.Thread(target=self.encode, name="emotion-clip-writer", daemon=True)
        self.thread.start()

    def write(self, rgb: np.ndarray, tracked: list) -> None:
        """A frame (RGB, not changed afterwards) and its tracked faces, to be drawn and encoded."""
        self.frames.put((rgb, tracked))

    def encode(self) -> None:
        while (item := self.frames.get()) is not None:
            if self.problem is None:  # after a failure, frames are still taken, so that write never blocks
                rgb, tracked = item
                drawn = draw_faces(rgb, [face.face for face in tracked], numbers=[face.number for face in tracked])
                try:
                    self.writer.write(cv2.cvtColor(annotated_frame(np.asarray(drawn)), cv2.COLOR_RGB2BGR))
                except cv2.error as problem:
                    self.problem = problem

    def close(self) -> None:
        """Wait for the frames still queued, then finish the file."""
        self.frames.put(None)
        self.thread.join()
        self.writer.release()
        if self.problem is not None:
            raise RuntimeError(f"OpenCV failed writing the annotated clip: {self.problem}")


def check_video_file(path: Path, limits: ClipLimits = APP_LIMITS) -> None:
    """Refuse a file by its size before anything decodes it."""
    size = path.stat().st_size
    if size == 0:
        raise VideoError(EMPTY_FILE)
    if size > limits.max_bytes:
        raise VideoTooLarge(too_large("clip", limits.max_bytes))
    if is_still_picture(path):
        raise VideoError(STILL_PICTURE)


def is_still_picture(path: Path) -> bool:
    """Whether the file is a photo (by its content, whatever its name): Pillow reads its header, nothing more."""
    try:
        with Image.open(path) as image:
            return not getattr(image, "is_animated", False)
    except Exception:  # noqa: BLE001 (any decoder's complaint means: not a picture Pillow knows)
        return False


def too_many_pixels(width: float, height: float, limits: ClipLimits) -> VideoTooLarge | None:
    if width * height <= limits.max_frame[0] * limits.max_frame[1]:
        return None
    return VideoTooLarge(f"The clip's frames are {width:.0f}x{height:.0f}; the limit is {limits.frame_text}.")


def open_clip(path: Path, limits: ClipLimits = APP_LIMITS) -> tuple[cv2.VideoCapture, float]:
    """An opened capture and its frame rate, after the checks its header allows (length, resolution)."""
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not capture.isOpened():
        capture.release()
        raise VideoError(NOT_A_VIDEO)
    fps = capture.get(cv2.CAP_PROP_FPS)
    width, height = capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT)
    frames = capture.get(cv2.CAP_PROP_FRAME_COUNT)
    problem = None
    if not math.isfinite(fps) or fps <= 0 or width <= 0 or height <= 0:
        problem = VideoError("This file has no video we can read (no picture stream, or a damaged header).")
    elif fps > limits.max_fps:
        problem = VideoTooLarge(f"The clip has {fps:.0f} frames a second; the limit is {limits.max_fps:.0f}.")
    elif 0 < frames < 2:
        problem = VideoError(STILL_PICTURE)
    elif frames > 0 and frames / fps > limits.max_seconds + 1 / fps:
        problem = VideoTooLarge(f"The clip is {frames / fps:.0f} seconds long; the limit is {limits.max_seconds:.0f}.")
    problem = problem or too_many_pixels(width, height, limits)
    if problem:
        capture.release()
        raise problem
    return capture, fps


def check_frame_sizes(path: Path, limits: ClipLimits) -> None:
    """Raises VideoTooLarge at the first frame whose decoded size is over the limit. OpenCV scales every frame to
    the first one's size, so its frames cannot tell: a clip of 640x360 frames, then 16384x8192 ones, passed every
    check and cost the app 1 GB. PyAV (FFmpeg, as in OpenCV) gives each frame as the decoder made it; a decoding
    pass costs what OpenCV's own reading pass does (0.85 s for 60 s of 720p), and a frame over the limit is the last
    it decodes."""
    problem = None
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.video:
                return
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                if problem := too_many_pixels(frame.width, frame.height, limits):
                    break
    except (av.error.FFmpegError, ValueError, OSError):  # damaged: OpenCV's pass says what it can read
        return
    if problem:
        raise problem


def check_clip(path: Path, limits: ClipLimits = APP_LIMITS) -> None:
    """What can be refused before decoding: the file's size, and the length and resolution its header gives."""
    check_video_file(path, limits)
    capture, _ = open_clip(path, limits)
    capture.release()


class Abandoned(Exception):
    """The clip's analysis stopped because whoever asked for it has gone (`gone` said so)."""


def analyse_clip(
    predictor: Predictor,
    path: Path,
    sample_rate: float = SAMPLE_RATE,
    annotated: Path | None = None,
    progress: Callable[[float], None] | None = None,
    limits: ClipLimits = APP_LIMITS,
    gone: Callable[[], bool] | None = None,
) -> ClipResult:
    """Follow every face through the clip at `path`, `sample_rate` frames a second; write the annotated clip to
    `annotated` (.webm) if given. `progress` gets the fraction of the clip done. Raises VideoError when the clip
    cannot be read or has fewer than two frames, VideoTooLarge over a limit, and Abandoned as soon as `gone()` is
    true (asked before each decoded frame). Runs in CLIP_WORKER: one clip at a time, the others wait, and photos
    never wait behind them."""
    check_video_file(path, limits)  # an empty or oversized file is refused at once, not behind the clips ahead
    work = contextvars.copy_context().run  # the caller's context (Gradio's progress bar) goes with the work
    job = (predictor, path, sample_rate, annotated, progress, limits, gone or (lambda: False))
    return CLIP_WORKER.submit(work, follow_faces, *job).result()


def follow_faces(
    predictor: Predictor,
    path: Path,
    sample_rate: float,
    annotated: Path | None,
    progress: Callable[[float], None] | None,
    limits: ClipLimits,
    gone: Callable[[], bool],
) -> ClipResult:
    if gone():  # gone while the clips ahead ran
        raise Abandoned
    capture, fps = open_clip(path, limits)  # the header's refusals first: they cost nothing
    total_frames = capture.get(cv2.CAP_PROP_FRAME_COUNT)
    tracker, people, writer = FaceTracker(predictor.recognizer), {}, None
    frame_index, next_sample, frame_time = 0, 0.0, 0.0
    try:
        check_frame_sizes(path, limits)
        while capture.grab():
            if gone():
                raise Abandoned
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
                writer = writer or ClipWriter(annotated, rgb.shape, sample_rate)
                writer.write(rgb, tracked)
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
