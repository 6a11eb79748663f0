"""Generated clips: photos panning on a grey frame, written with OpenCV (for tests, benchmarks and screenshots)."""

from pathlib import Path

import cv2
import numpy as np

SIZE = (1280, 720)
FPS = 30


def panning_frames(photo: np.ndarray, seconds: float, size: tuple[int, int] = SIZE, fps: int = FPS):
    """Frames of `size` (RGB) showing the photo on grey, sliding slowly left and right."""
    width, height = size
    scale = min(width / photo.shape[1], height / photo.shape[0]) * 0.8
    scaled = cv2.resize(
        photo, (round(photo.shape[1] * scale), round(photo.shape[0] * scale)), interpolation=cv2.INTER_AREA
    )
    room = width - scaled.shape[1]
    top = (height - scaled.shape[0]) // 2
    for index in range(round(seconds * fps)):
        left = round(room / 2 + room / 2 * 0.8 * np.sin(index / fps / 2))  # at most ~0.4 face widths a sample
        frame = np.full((height, width, 3), 96, np.uint8)
        frame[top : top + scaled.shape[0], left : left + scaled.shape[1]] = scaled
        yield frame


def write_clip(path: Path, frames, fps: int = FPS, codec: str = "mp4v") -> None:
    writer = None
    for frame in frames:
        if writer is None:
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), fps, (frame.shape[1], frame.shape[0]))
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    if writer is not None:
        writer.release()
