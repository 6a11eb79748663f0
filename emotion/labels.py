"""The seven FER2013 expressions, in the order every probability vector in the project uses."""

CLASSES: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")
