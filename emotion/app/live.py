"""One visitor's live webcam run: each frame's faces followed (numbers kept), the followed face (the visitor's
choice while it is in view) with its smoothed probabilities and its timeline, ready for any page to show. Frames
come and go in memory."""

from dataclasses import dataclass

import numpy as np
from PIL import Image

from emotion.app.table import table_row
from emotion.drawing import draw_faces
from emotion.identity import FaceRecognizer
from emotion.predictor import Predictor
from emotion.tracking import FaceTracker

TIMELINE_EVERY = 1.0  # seconds between timeline redraws: a chart per frame cost more than the rest of a frame


@dataclass
class LiveUpdate:
    picture: Image.Image  # the frame with every face boxed, numbered and labelled, the followed one highlighted
    choices: list[tuple[str, int]]  # ("Face #n", n) for every face in view
    followed: int | None  # the number of the face whose bars and timeline are shown
    scores: dict[str, float] | None  # the followed face's smoothed probabilities
    rows: list[list]  # the faces table (emotion.app.table)
    message: str
    timeline: list[tuple[float, np.ndarray]] | None  # (seconds before now, probabilities); None: keep the last


class LiveSession:
    """One run of a visitor's stream, from Record to Stop (or its time limit): its tracker, when it started, the face
    the visitor follows and whether frames are still analysed (not thread-safe: one per visitor)."""

    def __init__(self, recognizer: FaceRecognizer | None, now: float):
        self.tracker = FaceTracker(recognizer)
        self.started = now
        self.running = True  # False once stopped: frames still in flight are ignored
        self.at_limit = False  # stopped by its time limit, not by the visitor
        self.followed: int | None = None  # the visitor's choice, kept while that face is in view
        self.timeline_drawn = float("-inf")
        self.picker_shown: tuple | None = None  # the face picker's (choices, followed) as last sent to the page

    def update(self, predictor: Predictor, frame: np.ndarray, now: float) -> LiveUpdate:
        """This frame's answer: the followed face is the visitor's choice while it is in view, else the first face."""
        tracked = self.tracker.update(predictor.predict(frame), now, frame)
        choices = [(f"Face #{face.number}", face.number) for face in tracked]
        if self.followed not in [number for _, number in choices]:
            self.followed = choices[0][1] if choices else None
        chosen = next((face for face in tracked if face.number == self.followed), None)
        timeline = None
        if chosen is not None and now - self.timeline_drawn >= TIMELINE_EVERY:
            self.timeline_drawn = now
            timeline = [(round(moment - now, 2), scores) for moment, scores in self.tracker.history(chosen.number)]
        plural = "face" if len(tracked) == 1 else "faces"
        return LiveUpdate(
            picture=draw_faces(
                frame,
                [face.face for face in tracked],
                numbers=[face.number for face in tracked],
                highlight=next((index for index, face in enumerate(tracked) if face is chosen), None),
            ),
            choices=choices,
            followed=self.followed,
            scores=chosen.face.scores if chosen else None,
            rows=[table_row(face.number, face.face) for face in tracked],
            message=f"{len(tracked)} {plural} in view." if tracked else "No face in view.",
            timeline=timeline,
        )
