"""Which files are clips, and the limits a clip is held to: the app's, which guard one server shared by everyone,
and an archive's, for a person's own files on their own machine (python -m emotion predict and batch)."""

import math
from dataclasses import dataclass

VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".m4v", ".mkv", ".avi")


@dataclass(frozen=True)
class ClipLimits:
    max_bytes: float  # the file's size
    max_seconds: float  # the clip's length
    max_frame: tuple[int, int]  # width, height: clips with more pixels a frame are refused rather than slowly decoded

    @property
    def frame_text(self) -> str:
        return f"{self.max_frame[0]}x{self.max_frame[1]}"


APP_LIMITS = ClipLimits(max_bytes=50 * 1024 * 1024, max_seconds=60.0, max_frame=(1920, 1080))
# No size or length limit; frames up to 8K UHD (33 megapixels, under a photo's emotion.images.MAX_PIXELS).
ARCHIVE_LIMITS = ClipLimits(max_bytes=math.inf, max_seconds=math.inf, max_frame=(7680, 4320))
