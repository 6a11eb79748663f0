"""python -m emotion predict PHOTO_OR_CLIP... [--json] [--whole-image] [--model PATH] (emotion.predict_files)
python -m emotion batch PATH... --out DIR [--format parquet|csv|jsonl] (emotion.batch)

Only the command asked for is imported: batch's driver never loads Keras, which its workers load themselves.
"""

import argparse
from pathlib import Path

from emotion.batch_tables import OUTPUT_FORMATS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emotion", description="Facial-expression recognition on photos.")
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="find the faces in photos or clips and classify their expressions")
    predict.add_argument("photos", nargs="+", type=Path, help="photos, or clips (.mp4, .webm, .mov, ...)")
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.add_argument("--whole-image", action="store_true", help="treat each whole photo as one face")
    predict.add_argument("--model", type=Path, default=None, help="a .keras model (default: assets/model.keras)")
    batch = commands.add_parser("batch", help="analyse whole folders of photos and clips into tables (Ray Data)")
    batch.add_argument("paths", nargs="+", help="files, folders (recursively) and glob patterns, photos and clips")
    batch.add_argument("--out", type=Path, required=True, help="where the tables go; a rerun resumes there")
    batch.add_argument("--format", choices=OUTPUT_FORMATS, default="parquet", help="the tables' format")
    batch.add_argument("--address", default=None, help="a Ray cluster (default: RAY_ADDRESS, else this machine)")
    batch.add_argument("--workers", type=int, default=None, help="analysing actors (default: one a CPU)")
    batch.add_argument("--model", default=None, help="a .keras model (default: assets/model.keras)")
    arguments = parser.parse_args(argv)
    if arguments.command == "batch":
        from emotion.batch import main as batch_main  # Ray only where batch is asked for

        return batch_main(arguments)
    from emotion.predict_files import main as predict_main

    return predict_main(arguments)
