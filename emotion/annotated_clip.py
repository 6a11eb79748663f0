"""The annotated clip: drawn frames brought within ANNOTATED_SIDE and written as VP8 WebM, which every browser
plays (the OpenCV wheel's H.264 encoder is missing, and its MPEG-4 part 2 does not play in browsers)."""

import queue
import threading
from pathlib import Path

import cv2
import numpy as np

ANNOTATED_SIDE = 854  # the annotated clip's longest side at most (480p), so it stays small to send


def annotated_frame(rgb: np.ndarray) -> np.ndarray:
    """A drawn frame brought within ANNOTATED_SIDE, with even sides (what VP8 needs)."""
    height, width = rgb.shape[:2]
    scale = min(1.0, ANNOTATED_SIDE / max(height, width))
    size = (max(2, round(width * scale) // 2 * 2), max(2, round(height * scale) // 2 * 2))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA) if size != (width, height) else rgb


class ClipWriter:
    """The annotated clip (VP8 WebM), encoded by a thread of its own: encoding a frame takes about as long as
    analysing one, so it runs on the other core meanwhile. At most WAITING_FRAMES frames wait for it. Started by
    the clip's thread, it inherits that thread's lower CPU priority (Linux)."""

    WAITING_FRAMES = 8

    def __init__(self, path: Path, frame_shape: tuple[int, ...], sample_rate: float):
        height, width = annotated_frame(np.zeros(frame_shape, np.uint8)).shape[:2]
        self.writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"VP80"), sample_rate, (width, height))
        if not self.writer.isOpened():
            raise RuntimeError("OpenCV cannot write VP8 WebM here")  # a broken install, not the user's clip
        self.frames: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=self.WAITING_FRAMES)
        self.problem: cv2.error | None = None
        self.thread = threading.Thread(target=self.encode, name="emotion-clip-writer", daemon=True)
        self.thread.start()

    def write(self, bgr: np.ndarray) -> None:
        self.frames.put(bgr)

    def encode(self) -> None:
        while (frame := self.frames.get()) is not None:
            if self.problem is None:  # after a failure, frames are still taken, so that write never blocks
                try:
                    self.writer.write(frame)
                except cv2.error as problem:
                    self.problem = problem

    def close(self) -> None:
        """Wait for the frames still queued, then finish the file."""
        self.frames.put(None)
        self.thread.join()
        self.writer.release()
        if self.problem is not None:
            raise RuntimeError(f"OpenCV failed writing the annotated clip: {self.problem}")
