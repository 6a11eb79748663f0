"""Faces followed across live frames or a clip's samples, each keeping its number, with smoothed probabilities.

Matching: a new frame's faces are paired with the tracks of the last frames by how far the box's centre
moved, in face sizes (closest pairs first, at most MAX_JUMP, sizes within MAX_RESIZE of each other); a
face near no track starts a new one with the next number, and a track unseen for LOST_AFTER seconds and
LOST_AFTER_UPDATES updates is dropped. Distance rather than box overlap, because a clip is sampled 5 times
a second: a face crossing the frame moves half its width between samples, where the overlap of its boxes
falls below any useful threshold.

Smoothing: an exponential moving average whose weight follows the time between frames, with time constant
SMOOTHING_SECONDS: frame-to-frame jitter is averaged away, while after a real change of expression the new
class passes the old one within about that long (a step from one class to another crosses halfway after 0.69
time constants), so well within half a second at the 6 updates a second live mode runs at.
"""

from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np

from emotion.labels import CLASSES
from emotion.results import FaceResult, scores_of

SMOOTHING_SECONDS = 0.3
LOST_AFTER = 1.0  # seconds a track survives without a matching face...
LOST_AFTER_UPDATES = 2  # ...and updates: on a loaded server updates come over a second apart, and a face in
# view the whole time got a new number at every update
MAX_JUMP = 0.75  # how far (in face sizes) a face may move between updates and keep its number
MAX_RESIZE = 1.5  # how much bigger or smaller its box may get between updates
HISTORY_SECONDS = 30.0


def jump(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """How far apart two (x, y, w, h) boxes' centres are, in their mean side; inf when their sizes differ by
    more than MAX_RESIZE (not the same face)."""
    side_a, side_b = (a[2] + a[3]) / 2, (b[2] + b[3]) / 2
    if max(side_a, side_b) > MAX_RESIZE * max(min(side_a, side_b), 1):
        return float("inf")
    distance = np.hypot(a[0] + a[2] / 2 - b[0] - b[2] / 2, a[1] + a[3] / 2 - b[1] - b[3] / 2)
    return float(distance / ((side_a + side_b) / 2))


@dataclass
class Track:
    number: int
    box: tuple[int, int, int, int]
    smoothed: np.ndarray  # (7,) probabilities
    last_seen: float
    missed: int = 0  # updates since it last matched a face
    history: deque = field(default_factory=deque)  # (time, smoothed probabilities), last HISTORY_SECONDS


@dataclass(frozen=True)
class TrackedFace:
    number: int  # stays with the face while it is in view
    face: FaceResult  # this frame's face, with the smoothed scores and label


class FaceTracker:
    """One per live stream (not thread-safe; each visitor's stream has its own)."""

    def __init__(self, smoothing_seconds: float = SMOOTHING_SECONDS):
        self.smoothing_seconds = smoothing_seconds
        self.tracks: list[Track] = []
        self.next_number = 1

    def update(self, faces: list[FaceResult], now: float) -> list[TrackedFace]:
        """This frame's faces, matched to tracks and smoothed, in the order given."""
        self.tracks = [
            track for track in self.tracks if now - track.last_seen <= LOST_AFTER or track.missed < LOST_AFTER_UPDATES
        ]
        pairs = sorted(
            (jump(face.box, track.box), index, track_index)
            for index, face in enumerate(faces)
            for track_index, track in enumerate(self.tracks)
        )
        matched: dict[int, Track] = {}
        used_tracks = set()
        for distance, index, track_index in pairs:
            if distance > MAX_JUMP:
                break
            if index not in matched and track_index not in used_tracks:
                matched[index] = self.tracks[track_index]
                used_tracks.add(track_index)
        for track_index, track in enumerate(self.tracks):
            track.missed = 0 if track_index in used_tracks else track.missed + 1
        tracked = []
        for index, face in enumerate(faces):
            probabilities = np.array([face.scores[name] for name in CLASSES])
            track = matched.get(index)
            if track is None:
                track = Track(self.next_number, face.box, probabilities, now)
                self.next_number += 1
                self.tracks.append(track)
            else:
                weight = 1 - np.exp(-(now - track.last_seen) / self.smoothing_seconds)
                track.smoothed = track.smoothed + weight * (probabilities - track.smoothed)
                track.box, track.last_seen = face.box, now
            track.history.append((now, track.smoothed.copy()))
            while track.history and now - track.history[0][0] > HISTORY_SECONDS:
                track.history.popleft()
            smoothed = replace(face, scores=scores_of(track.smoothed), label=CLASSES[int(np.argmax(track.smoothed))])
            tracked.append(TrackedFace(track.number, smoothed))
        return tracked

    def history(self, number: int) -> list[tuple[float, np.ndarray]]:
        """(time, smoothed probabilities) of a track over the last HISTORY_SECONDS; [] if it is gone."""
        return next((list(track.history) for track in self.tracks if track.number == number), [])
