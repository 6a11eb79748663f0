"""Generated clips: photos panning on a grey frame, and stories of several people with cuts, written with OpenCV
(for tests, benchmarks and screenshots)."""

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from emotion.images import open_image, to_rgb_array

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"

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


@dataclass(frozen=True)
class Shot:
    """One shot of a generated story: an example photo on grey for `seconds`, moving as `motion` says:
    "still"; "pan" (sliding left and right); "away" (it slides out of the frame, stays out AWAY_SECONDS and comes
    back); "covered" (a grey card hides it for COVER_SECONDS in the middle of the shot)."""

    photo: str  # a file name in assets/examples
    seconds: float
    motion: str = "still"


@dataclass(frozen=True)
class Placement:
    """Where a shot's photo sits in one frame: its top-left corner and scale; photo is None when nothing of it
    shows (out of the frame, or covered)."""

    photo: str | None
    left: int = 0
    top: int = 0
    scale: float = 1.0


AWAY_SECONDS = 1.0
COVER_SECONDS = 0.6
# The generator's stories: hard cuts between people, pans, a face that leaves and comes back, one hidden for a
# moment, and cuts back and forth between two people. Each frame's Placement says who is where.
STORIES = {
    "cuts": (Shot("angry.jpg", 3), Shot("happy_baby.jpg", 3), Shot("group.jpg", 3)),
    "pan-and-away": (Shot("neutral.jpg", 2, "pan"), Shot("neutral.jpg", 3, "away")),
    "covered": (Shot("surprised.jpg", 3, "covered"),),
    "back-and-forth": (Shot("angry.jpg", 2), Shot("surprised.jpg", 2), Shot("angry.jpg", 2, "pan")),
}


def story_frames(shots: tuple[Shot, ...], size: tuple[int, int] = SIZE, fps: int = FPS):
    """(frame, Placement) pairs of the shots one after the other, cut hard."""
    width, height = size
    for shot in shots:
        photo = np.asarray(Image.open(EXAMPLES / shot.photo).convert("RGB"))
        scale = min(width / photo.shape[1], height / photo.shape[0]) * 0.8
        scaled = cv2.resize(
            photo, (round(photo.shape[1] * scale), round(photo.shape[0] * scale)), interpolation=cv2.INTER_AREA
        )
        home = ((width - scaled.shape[1]) // 2, (height - scaled.shape[0]) // 2)
        count = round(shot.seconds * fps)
        for index in range(count):
            seconds = index / fps
            left = home[0] + shot_offset(shot, seconds, width, scaled.shape[1])
            frame = np.full((height, width, 3), 96, np.uint8)
            paste(frame, scaled, left, home[1])
            hidden = left >= width or left + scaled.shape[1] <= 0
            if shot.motion == "covered" and abs(seconds - shot.seconds / 2) < COVER_SECONDS / 2:
                frame[:, :] = 96
                hidden = True
            yield frame, Placement(None if hidden else shot.photo, left, home[1], scale)


def shot_offset(shot: Shot, seconds: float, width: int, photo_width: int) -> int:
    """How far right of its centred place the photo is, `seconds` into the shot."""
    if shot.motion == "pan":
        return round((width - photo_width) / 2 * 0.8 * np.sin(seconds))
    if shot.motion == "away":
        out = width  # far enough right to leave the frame
        start = (shot.seconds - AWAY_SECONDS) / 2 - 0.5  # slide out over 0.5 s, stay out, come back over 0.5 s
        if seconds < start or seconds > start + AWAY_SECONDS + 1.0:
            return 0
        if seconds < start + 0.5:
            return round(out * (seconds - start) / 0.5)
        if seconds < start + 0.5 + AWAY_SECONDS:
            return out
        return round(out * (start + 1.0 + AWAY_SECONDS - seconds) / 0.5)
    return 0


def paste(frame: np.ndarray, photo: np.ndarray, left: int, top: int) -> None:
    """The part of `photo` that falls inside `frame`, copied in place with its top-left corner at (left, top)."""
    x0, x1 = max(0, left), min(frame.shape[1], left + photo.shape[1])
    if x1 > x0:
        frame[top : top + photo.shape[0], x0:x1] = photo[:, x0 - left : x1 - left]


def who_is_at(placement: Placement, box: tuple[int, int, int, int], photo_boxes: dict[str, list]) -> tuple | None:
    """The person a box in a story's frame shows: (photo, index of the face in photo_boxes[photo], the boxes the
    detector finds on the photo itself); None when it is none of them."""
    if placement.photo is None:
        return None
    x = (box[0] + box[2] / 2 - placement.left) / placement.scale
    y = (box[1] + box[3] / 2 - placement.top) / placement.scale
    distances = [
        np.hypot(x - bx - bw / 2, y - by - bh / 2) / max(bw, bh) for bx, by, bw, bh in photo_boxes[placement.photo]
    ]
    best = int(np.argmin(distances)) if distances else None
    return (placement.photo, best) if best is not None and distances[best] < 0.5 else None


def people_numbered(people: list[dict], placements: list[Placement], photo_boxes: dict[str, list], fps: int) -> dict:
    """Each number an analysis gave ({"id", "samples": [{"time", "box"}]}, as REST, the CLI and the page's JSON
    write it) and the set of people (who_is_at) its samples show."""
    return {
        person["id"]: {
            who_is_at(placements[round(sample["time"] * fps)], tuple(sample["box"]), photo_boxes)
            for sample in person["samples"]
        }
        - {None}
        for person in people
    }


def write_story(path: Path, shots: tuple[Shot, ...], fps: int = FPS) -> list[Placement]:
    """The story written as a clip at `path`; the Placement of each of its frames."""
    pairs = list(story_frames(shots, fps=fps))
    write_clip(path, (frame for frame, _ in pairs), fps=fps)
    return [placement for _, placement in pairs]


def benchmark_clip(path: Path, seconds: float, codec: str = "mp4v") -> None:
    """The benchmarks' clip: the group example, then the astronaut, each panning for half of `seconds` (every
    frame differs), 1280x720 at FPS frames a second."""
    photos = [to_rgb_array(open_image(EXAMPLES / name)) for name in ("group.jpg", "astronaut.jpg")]
    write_clip(path, (frame for photo in photos for frame in panning_frames(photo, seconds / 2)), codec=codec)
