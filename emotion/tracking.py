"""Faces followed across live frames or a clip's samples, each keeping its number while it is plausibly the
same person, with smoothed probabilities and a steady label.

Matching, in two passes:
1. By position: a face is paired with a track of the last frames by how far the box's centre moved, in face
   sizes (closest pairs first, at most MAX_JUMP, sizes within MAX_RESIZE of each other), provided that the two
   look alike (SFace, emotion.identity: similarity at least SAME_PERSON_NEARBY). Distance rather than box
   overlap, because a clip is sampled 5 times a second: a face crossing the frame moves half its width between
   samples, where the overlap of its boxes falls below any useful threshold. A face is described again at
   least every DESCRIBE_EVERY seconds, and whenever no track is nearby. Across a shot cut (the frame's
   brightness histogram changes by more than CUT_DISTANCE) position says nothing and this pass is skipped.
2. By appearance alone: a face left over is given the number of the most similar track in view or out of view
   for at most REMEMBER_SECONDS, if their similarity is at least SAME_PERSON; else it gets the next number.
Without a recogniser or a frame (position only) the first pass decides alone. The thresholds were chosen on the
generated clips of harness.clips (python -m bench.tracking, docs/pipeline.md).

Smoothing: an exponential moving average whose weight follows the time between frames, with time constant
SMOOTHING_SECONDS: frame-to-frame jitter is averaged away, while after a real change of expression the new
class passes the old one within about that long. The label shown changes only when the new expression leads
the shown one by LABEL_MARGIN, or has led it for LABEL_SECONDS: a hesitant face does not flip every frame.
"""

from collections import deque
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from emotion.identity import FaceRecognizer, similarity
from emotion.labels import CLASSES
from emotion.limits import RUN_SECONDS
from emotion.results import FaceResult, scores_of

SMOOTHING_SECONDS = 0.3
LOST_AFTER = 1.0  # seconds a track is matched by position without a matching face...
LOST_AFTER_UPDATES = 2  # ...and updates: on a loaded server updates come over a second apart, and a face in
# view the whole time got a new number at every update
MAX_JUMP = 0.75  # how far (in face sizes) a face may move between updates and keep its number
MAX_RESIZE = 1.5  # how much bigger or smaller its box may get between updates
SAME_PERSON_NEARBY = 0.3  # the similarity a face must have with the track it continues by position...
DESCRIBE_EVERY = 1.0  # ...checked at least this often (seconds): SFace costs about half of a face's analysis
SAME_PERSON = 0.363  # the similarity a face needs to be recognised without its position (SFace's own threshold)
REMEMBER_SECONDS = RUN_SECONDS  # how long a person out of view is remembered by appearance: an app clip's length
CUT_DISTANCE = 0.3  # Bhattacharyya distance between two frames' brightness histograms that marks a cut
LABEL_MARGIN = 0.1
LABEL_SECONDS = 0.5
HISTORY_SECONDS = 30.0


def jump(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """How far apart two (x, y, w, h) boxes' centres are, in their mean side; inf when their sizes differ by
    more than MAX_RESIZE (not the same face)."""
    side_a, side_b = (a[2] + a[3]) / 2, (b[2] + b[3]) / 2
    if max(side_a, side_b) > MAX_RESIZE * max(min(side_a, side_b), 1):
        return float("inf")
    distance = np.hypot(a[0] + a[2] / 2 - b[0] - b[2] / 2, a[1] + a[3] / 2 - b[1] - b[3] / 2)
    return float(distance / ((side_a + side_b) / 2))


def brightness_histogram(rgb: np.ndarray) -> np.ndarray:
    """A frame's 32-bin brightness histogram, from a 64 px wide copy (what cut detection compares)."""
    height, width = rgb.shape[:2]
    small = cv2.resize(rgb, (64, max(1, round(64 * height / width))), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    return cv2.calcHist([gray], [0], None, [32], [0, 256]).astype(np.float32)


def is_cut(before: np.ndarray | None, after: np.ndarray) -> bool:
    """Whether two consecutive frames' histograms (brightness_histogram) belong to different shots."""
    return before is not None and cv2.compareHist(before, after, cv2.HISTCMP_BHATTACHARYYA) > CUT_DISTANCE


@dataclass(eq=False)  # tracks are told apart by identity, not by their fields
class Track:
    number: int
    box: tuple[int, int, int, int]
    smoothed: np.ndarray  # (7,) probabilities
    last_seen: float
    label: str  # the label shown: changes only by LABEL_MARGIN or after LABEL_SECONDS
    description: np.ndarray | None = None  # the face's running SFace description (emotion.identity)
    described_at: float = float("-inf")  # when the description was last brought up to date
    missed: int = 0  # updates since it last matched a face
    challenger_since: float | None = None  # when another expression started to lead the shown label
    history: deque = field(default_factory=deque)  # (time, smoothed probabilities), last HISTORY_SECONDS


@dataclass(frozen=True)
class TrackedFace:
    number: int  # stays with the face while it is the same person
    face: FaceResult  # this frame's face, with the smoothed scores and the steady label


class FaceTracker:
    """One per live stream or clip (not thread-safe; each visitor's stream has its own). With a recogniser,
    give update the frame too: it is what faces are described and cuts detected from."""

    def __init__(self, recognizer: FaceRecognizer | None = None, smoothing_seconds: float = SMOOTHING_SECONDS):
        self.recognizer = recognizer
        self.smoothing_seconds = smoothing_seconds
        self.tracks: list[Track] = []  # in view, or lost for less than LOST_AFTER
        self.remembered: list[Track] = []  # out of view, recognisable by appearance for REMEMBER_SECONDS
        self.next_number = 1
        self.last_histogram: np.ndarray | None = None
        self.cuts = 0  # shot cuts seen so far

    def update(self, faces: list[FaceResult], now: float, frame: np.ndarray | None = None) -> list[TrackedFace]:
        """This frame's faces, matched to tracks and smoothed, in the order given."""
        cut = False
        if frame is not None:
            histogram = brightness_histogram(frame)
            cut, self.last_histogram = is_cut(self.last_histogram, histogram), histogram
            self.cuts += cut
        self.forget(now)
        matched = {} if cut else self.match_by_position(faces)
        descriptions = self.describe(faces, matched, now, frame)
        for index, track in list(matched.items()):
            alike = similarity(descriptions[index], track.description)
            if alike is not None and alike < SAME_PERSON_NEARBY:
                del matched[index]  # somebody else where that face was
        for track in self.tracks:
            track.missed = 0 if track in matched.values() else track.missed + 1
        self.match_by_appearance(descriptions, matched)
        return [
            self.follow(matched.get(index), face, description, now)
            for index, (face, description) in enumerate(zip(faces, descriptions, strict=True))
        ]

    def describe(self, faces: list[FaceResult], matched: dict[int, "Track"], now: float, frame) -> list:
        """SFace descriptions of the faces that need one (None for the others): those without a track nearby,
        and those whose track was last described DESCRIBE_EVERY ago or more."""
        wanted = [
            index
            for index in range(len(faces))
            if index not in matched or now - matched[index].described_at >= DESCRIBE_EVERY
        ]
        descriptions = [None] * len(faces)
        if self.recognizer is not None and frame is not None and wanted:
            for index, description in zip(
                wanted, self.recognizer.describe(frame, [faces[i] for i in wanted]), strict=True
            ):
                descriptions[index] = description
        return descriptions

    def forget(self, now: float) -> None:
        """Tracks lost by position go to the remembered (when they have a description), and those out of view
        for REMEMBER_SECONDS are forgotten."""
        lost = [
            track for track in self.tracks if now - track.last_seen > LOST_AFTER and track.missed >= LOST_AFTER_UPDATES
        ]
        self.tracks = [track for track in self.tracks if track not in lost]
        self.remembered = [
            track
            for track in self.remembered + [track for track in lost if track.description is not None]
            if now - track.last_seen <= REMEMBER_SECONDS
        ]

    def match_by_position(self, faces: list[FaceResult]) -> dict[int, Track]:
        pairs = sorted(
            (jump(face.box, track.box), index, track_index)
            for index, face in enumerate(faces)
            for track_index, track in enumerate(self.tracks)
        )
        matched: dict[int, Track] = {}
        for distance, index, track_index in pairs:
            if distance > MAX_JUMP:
                break
            if index not in matched and self.tracks[track_index] not in matched.values():
                matched[index] = self.tracks[track_index]
        return matched

    def match_by_appearance(self, descriptions: list, matched: dict[int, Track]) -> None:
        """Faces left over matched in place to the most similar free track, in view or remembered."""
        free = [track for track in self.tracks + self.remembered if track not in matched.values()]
        pairs = sorted(
            (
                (similarity(description, track.description), index, track_index)
                for index, description in enumerate(descriptions)
                if index not in matched and description is not None
                for track_index, track in enumerate(free)
                if track.description is not None
            ),
            reverse=True,
        )
        for alike, index, track_index in pairs:
            if alike < SAME_PERSON:
                break
            if index not in matched and free[track_index] not in matched.values():
                matched[index] = free[track_index]
                if free[track_index] in self.remembered:
                    self.remembered.remove(free[track_index])
                    self.tracks.append(free[track_index])

    def follow(self, track: Track | None, face: FaceResult, description: np.ndarray | None, now: float) -> TrackedFace:
        """The face carried on by its track (a new one if None): smoothing, steady label, description, history."""
        probabilities = np.array([face.scores[name] for name in CLASSES])
        if track is None:
            track = Track(self.next_number, face.box, probabilities, now, face.label, description, now)
            self.next_number += 1
            self.tracks.append(track)
        else:
            weight = 1 - np.exp(-(now - track.last_seen) / self.smoothing_seconds)
            track.smoothed = track.smoothed + weight * (probabilities - track.smoothed)
            track.box, track.last_seen = face.box, now
            if description is not None:
                blended = description if track.description is None else 0.7 * track.description + 0.3 * description
                track.description = blended / max(float(np.linalg.norm(blended)), 1e-9)
                track.described_at = now
            steady_label(track, now)
        track.history.append((now, track.smoothed.copy()))
        while track.history and now - track.history[0][0] > HISTORY_SECONDS:
            track.history.popleft()
        return TrackedFace(track.number, replace(face, scores=scores_of(track.smoothed), label=track.label))

    def history(self, number: int) -> list[tuple[float, np.ndarray]]:
        """(time, smoothed probabilities) of a track over the last HISTORY_SECONDS; [] if it is gone."""
        return next((list(track.history) for track in self.tracks if track.number == number), [])


def steady_label(track: Track, now: float) -> None:
    """Move the track's shown label to the leading expression once it leads by LABEL_MARGIN or for LABEL_SECONDS."""
    leader = CLASSES[int(np.argmax(track.smoothed))]
    if leader == track.label:
        track.challenger_since = None
        return
    track.challenger_since = now if track.challenger_since is None else track.challenger_since
    lead = track.smoothed[CLASSES.index(leader)] - track.smoothed[CLASSES.index(track.label)]
    if lead >= LABEL_MARGIN or now - track.challenger_since >= LABEL_SECONDS:
        track.label, track.challenger_since = leader, None
