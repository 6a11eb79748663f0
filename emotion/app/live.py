"""One visitor's live webcam stream: each frame's faces followed (numbers kept), the followed face's smoothed
probabilities and its timeline, ready for any page to show. Frames come and go in memory."""

from dataclasses import dataclass

import numpy as np
from PIL import Image

from emotion.app.table import table_row
from emotion.drawing import draw_faces
from emotion.identity import FaceRecognizer
from emotion.labels import CLASSES
from emotion.predictor import Predictor
from emotion.tracking import FaceTracker

TIMELINE_EVERY = 1.0  # seconds between timeline redraws: a chart per frame cost more than the rest of a frame


@dataclass
class LiveUpdate:
    picture: Image.Image  # the frame with every face boxed, numbered and labelled
    choices: list[tuple[str, int]]  # ("Face #n", n) for every face in view
    followed: int | None  # the number of the face whose bars and timeline are shown
    scores: dict[str, float] | None  # the followed face's smoothed probabilities
    rows: list[list]  # the faces table (emotion.app.table)
    message: str
    timeline: list[tuple[float, str, float]] | None  # (seconds before now, expression, probability); None: keep


class LiveSession:
    """One run of a visitor's stream: its tracker, when it started, when its last frame came and when its timeline
    was last drawn (not thread-safe: one per visitor)."""

    def __init__(self, recognizer: FaceRecognizer | None, now: float):
        self.tracker = FaceTracker(recognizer)
        self.started = self.last_frame = now
        self.ended = False  # the run reached its time limit; frames still in flight are ignored
        self.timeline_drawn = float("-inf")

    def update(self, predictor: Predictor, frame: np.ndarray, followed: int | None, now: float) -> LiveUpdate:
        """This frame's answer; `followed` is the number of the face the visitor chose, kept while in view, else
        the first face."""
        tracked = self.tracker.update(predictor.predict(frame), now, frame)
        choices = [(f"Face #{face.number}", face.number) for face in tracked]
        if followed not in [number for _, number in choices]:
            followed = choices[0][1] if choices else None
        chosen = next((face for face in tracked if face.number == followed), None)
        timeline = None
        if chosen is not None and now - self.timeline_drawn >= TIMELINE_EVERY:
            self.timeline_drawn = now
            timeline = [
                (round(moment - now, 2), name, float(probability))
                for moment, probabilities in self.tracker.history(chosen.number)
                for name, probability in zip(CLASSES, probabilities, strict=True)
            ]
        plural = "face" if len(tracked) == 1 else "faces"
        return LiveUpdate(
            picture=draw_faces(frame, [face.face for face in tracked], numbers=[face.number for face in tracked]),
            choices=choices,
            followed=followed,
            scores=chosen.face.scores if chosen else None,
            rows=[table_row(face.number, face.face) for face in tracked],
            message=f"{len(tracked)} {plural} in view." if tracked else "No face in view.",
            timeline=timeline,
        )
