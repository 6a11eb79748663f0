"""What a batch actor does with a task (emotion.batch): its files in, one row a file out, with the file's
status, counts and seconds and its faces or people as JSON text (emotion.batch_tables makes the tables).

Clips are held to the archive's limits (emotion.clip_limits): no size or length limit.
"""

import json
import time
from pathlib import Path

import pandas as pd

from emotion.clip_limits import ARCHIVE_LIMITS
from emotion.errors import VideoError
from emotion.images import ImageError, open_image
from emotion.predictor import Predictor
from emotion.video import analyse_clip


def analyse_files(predictor: Predictor, sources: list[dict]) -> pd.DataFrame:
    """One row a file: its status, counts and seconds, and its faces or people as JSON text."""
    rows, photos = [], []
    for row in sources:
        started = time.perf_counter()
        record = row | {"status": "ok", "faces": 0, "seconds": 0.0, "found": "[]"}
        try:
            if row["kind"] == "clip":
                people = analyse_clip(predictor, Path(row["file"]), limits=ARCHIVE_LIMITS).to_dict()["faces"]
                record |= {"faces": len(people), "found": json.dumps(people), "status": "ok" if people else "no face"}
            else:
                photos.append((len(rows), open_image(row["file"])))
        except (ImageError, VideoError) as problem:
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
            rows[index] |= {
                "faces": len(faces),
                "found": json.dumps([face.to_dict() for face in faces]),
                "status": "ok" if faces else "no face",
            }
            rows[index]["seconds"] += share
    return pd.DataFrame(rows)
