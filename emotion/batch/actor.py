"""What a batch actor does with a task (emotion.batch.driver): its files in, one row a file out, with the file's
status, counts and seconds and its faces' or people's rows (emotion.results), from which emotion.batch.tables
makes the tables. Clips are held to the archive's limits (emotion.limits): no size or length limit.

The driver imports this module to name Analyser to Ray, and loads no model: the model and OpenCV's clip reader
are imported in the actor, when it starts.
"""

import time
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from emotion.errors import InputError
from emotion.images import open_image
from emotion.limits import ARCHIVE_LIMITS
from emotion.results import face_rows, sample_rows

if TYPE_CHECKING:
    from emotion.predictor import Predictor


class Analyser:
    """One actor of the pool: a Predictor, loaded once, and tasks in (a `files` column: each task's sources),
    one row a file out."""

    def __init__(self, model: str | None):
        from emotion.predictor import Predictor

        self.predictor = Predictor.load(model or None)

    def __call__(self, tasks: pd.DataFrame) -> pd.DataFrame:
        import ray

        rows = analyse_files(self.predictor, [dict(file) for task in tasks["files"] for file in task])
        node = ray.get_runtime_context().get_node_id()  # which node of the cluster analysed them (the files table)
        return pd.DataFrame([row | {"node": node} for row in rows])


def analyse_files(predictor: "Predictor", sources: list[dict]) -> list[dict]:
    """One row a file: its source's fields, its status, counts and seconds, and its face or sample rows."""
    from emotion.video import analyse_clip

    rows, photos = [], []
    for source in sources:
        started = time.perf_counter()
        record = source | {"status": "ok", "faces": 0, "seconds": 0.0, "node": None, "rows": []}
        try:
            if source["kind"] == "clip":
                result = analyse_clip(predictor, Path(source["file"]), limits=ARCHIVE_LIMITS)
                record |= {"faces": len(result.faces), "rows": sample_rows(result)}
                record["status"] = "ok" if result.faces else "no face"
            else:
                photos.append((len(rows), open_image(source["file"])))
        except InputError as problem:
            record["status"] = str(problem)
        except OSError as problem:
            record["status"] = f"cannot open the file: {problem.strerror}"
        record["seconds"] = time.perf_counter() - started
        rows.append(record)
    if photos:  # every photo's faces through the model together
        started = time.perf_counter()
        answers = predictor.predict_many([image for _, image in photos])
        share = (time.perf_counter() - started) / len(photos)
        for (index, _), faces in zip(photos, answers, strict=True):
            rows[index] |= {"faces": len(faces), "rows": face_rows(faces), "status": "ok" if faces else "no face"}
            rows[index]["seconds"] += share
    return rows
