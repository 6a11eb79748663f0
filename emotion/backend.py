"""Keras, loaded once with the backend's start-up notices silenced: every module of emotion/ that needs Keras
imports it from here, so the light modules (labels, results, tracking, table) load no backend at all."""

import os

# TensorFlow's start-up chatter on a CPU machine ("failed call to cuInit", oneDNN and CPU-instruction notices)
# reads like failures and is not for users. Level 3 keeps fatal errors; real faults still raise.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from emotion.quiet import native_stderr_silenced  # noqa: E402

with native_stderr_silenced():
    import keras  # noqa: E402

__all__ = ["keras"]
