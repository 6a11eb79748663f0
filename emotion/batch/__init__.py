"""Batch analysis of whole archives on Ray Data (`python -m emotion batch`): the driver (emotion.batch.driver)
lists the files and writes the tables (emotion.batch.tables) from what the actors (emotion.batch.actor) answer.
Ray is optional: requirements-batch.txt."""

OUTPUT_FORMATS = ("parquet", "csv", "jsonl")  # what the tables may be written as
TABLES = ("faces", "clip_samples", "files")
