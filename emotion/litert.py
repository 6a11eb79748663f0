"""The served model as a TensorFlow Lite file, run by TensorFlow's light runtime (LiteRT, `ai-edge-litert`): no
TensorFlow, Keras or JAX is imported to serve. train.evaluate.export_litert writes the file from the Keras model;
its one signature takes raw 48x48 grayscale faces and answers one probability table a head, by the head's name.
"""

import threading
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from emotion.quiet import native_stderr_silenced

SIGNATURE = "serving_default"  # what a Keras model's LiteRT export names its one entry point
INPUT = "face"  # the Keras model's input layer, which names the signature's input
THREADS = 2  # the interpreter's threads for one batch (XNNPACK); more only share 2-core machines' cores


class LiteRTModel:
    """A .tflite file's model with the part of a Keras model's interface the Classifier uses: `name`,
    `output_names`, `input_shape` and `predict_on_batch`. Safe to call from several threads: one interpreter,
    one batch at a time (a batch of faces takes about a millisecond)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.name = self.path.stem
        self.interpreter = Interpreter(str(self.path), num_threads=THREADS)
        signatures = self.interpreter.get_signature_list()
        if SIGNATURE not in signatures or signatures[SIGNATURE]["inputs"] != [INPUT]:
            raise ValueError(f"{self.path} has no '{SIGNATURE}' signature taking '{INPUT}': export it again")
        self.output_names = list(signatures[SIGNATURE]["outputs"])
        self.runner = self.interpreter.get_signature_runner(SIGNATURE)
        shape = self.runner.get_input_details()[INPUT]["shape_signature"]
        self.input_shape = (None, *(int(side) for side in shape[1:]))
        self.lock = threading.Lock()
        with native_stderr_silenced():  # the first run creates XNNPACK's delegate, and says so
            self.predict_on_batch(np.zeros((1, *self.input_shape[1:]), np.float32))

    def predict_on_batch(self, faces: np.ndarray) -> dict[str, np.ndarray]:
        """Each head's probabilities for a float32 (N, 48, 48, 1) batch of raw pixels."""
        with self.lock:
            outputs = self.runner(**{INPUT: np.ascontiguousarray(faces, np.float32)})
            return {head: np.array(outputs[head]) for head in self.output_names}  # copies: buffers are reused
