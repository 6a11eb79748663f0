"""Every limit the project holds its inputs to, where its assets are, and how a limit is written for a person:
one place for each, read by the pipeline, the app, the command line and batch.

A photo is held to the same limits everywhere. A clip has two sets: the app's, which guard one server shared by
everyone, and an archive's, for a person's own files on their own machine (python -m emotion predict and batch).
"""

import math
from dataclasses import dataclass
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"  # the model, its card, the detectors, the examples


def mb(size_bytes: float) -> str:
    """A size in whole megabytes (2**20 bytes) as a person reads it: "10 MB"."""
    return f"{size_bytes / 2**20:.0f} MB"


# Photos.
PHOTO_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF")
MAX_PIXELS = 40_000_000
MAX_PHOTO_BYTES = 10 * 2**20  # an uploaded photo's file, on the page and REST alike
MAX_FACES = 100  # faces analysed in one photo or frame, the largest: a crowd's cost stays bounded
MULTIPART_ROOM = 64 * 2**10  # an upload's form around its file: boundaries and part headers
# A photo's decoding cost, checked before its pixels are decoded: a crafted file of a few megabytes can otherwise
# hold a core for minutes (a JPEG with 50,000 progressive scans took 83 s; docs/reliability.md).
MAX_SCANS = 100  # a progressive JPEG's scans (encoders write about 10): each is a pass over the whole picture
MAX_STRIPS = 20_000  # a TIFF's strips or tiles, which Pillow decodes one by one in Python (50 us each)
MAX_RLE_BYTES = 2**20  # a run-length BMP's data, which Pillow's Python decoder reads at about 3 us a run
# The memory of the photos being decoded at once, held before their pixels are allocated (by size, mode and bit
# depth: a 40 MP float TIFF takes 320 MB); decodes smaller than SMALL_DECODE (a megapixel) do not wait for it: REST
# and the page admit a few dozen photos at once, so these stay within a few hundred megabytes together.
DECODE_MEMORY = 1024 * 2**20
SMALL_DECODE = 8 * 2**20
# Larger photos are analysed reduced to this longest side (a JPEG decoded at a fraction of its size from the
# start): YuNet looks at 320 px and the model at 48, and 8 photos of 40 megapixels at once stay within memory.
ANALYSED_SIDE = 1920

# Clips and live runs. One visitor's analysis on the shared server lasts at most RUN_SECONDS: a clip's length
# and a live run alike; a person who leaves the view is recognised for as long on coming back (emotion.tracking).
RUN_SECONDS = 60.0
VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".m4v", ".mkv", ".avi")
SAMPLE_RATE = 5.0  # a clip's frames analysed per second


@dataclass(frozen=True)
class ClipLimits:
    max_bytes: float  # the file's size
    max_seconds: float  # the clip's length
    max_frame: tuple[int, int]  # width, height: clips with more pixels a frame are refused rather than slowly decoded
    max_fps: float  # frames a second: every stored frame is decoded, so a clip's cost follows its frame rate

    @property
    def frame_text(self) -> str:
        return f"{self.max_frame[0]}x{self.max_frame[1]}"


# 240 frames a second: a phone's slow motion; 60 s of 1080p at 1,000 took 152 s to sample, at 30 13.8 s.
APP_LIMITS = ClipLimits(max_bytes=50 * 2**20, max_seconds=RUN_SECONDS, max_frame=(1920, 1080), max_fps=240)
# No size or length limit; frames up to 8K UHD (33 megapixels, under a photo's MAX_PIXELS).
ARCHIVE_LIMITS = ClipLimits(max_bytes=math.inf, max_seconds=math.inf, max_frame=(7680, 4320), max_fps=1000)
CLIP_LIMITS_TEXT = (
    f"Clips up to {mb(APP_LIMITS.max_bytes)}, {APP_LIMITS.max_seconds:.0f} seconds, {APP_LIMITS.frame_text} and "
    f"{APP_LIMITS.max_fps:.0f} frames a second (MP4, WebM or MOV); {SAMPLE_RATE:g} frames a second are analysed."
)
