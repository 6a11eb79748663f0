"""Training: Keras code that runs on any backend. Importing the package loads Keras once, its start-up notices
silenced (emotion.backend)."""

from emotion import backend  # noqa: F401
