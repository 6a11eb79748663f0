"""The Space's entry point: the page and its REST routes (emotion.app.page), served on 127.0.0.1:7860.

python app.py [--share]     GRADIO_SERVER_NAME and GRADIO_SERVER_PORT change where it listens, as a Space does;
                            EMOTION_MODEL points at another .keras model (the tests use a tiny one)
"""

import argparse
import logging
import os

from emotion.app.demo import build_demo
from emotion.predictor import Predictor

predictor = Predictor.load(os.environ.get("EMOTION_MODEL") or None)
demo = build_demo(predictor)

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Serve the facial-expression app.")
    parser.add_argument("--share", action="store_true", help="ask Gradio for a temporary public link")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # Gradio's own start-up checks, a line per request
    demo.launch(share=parser.parse_args().share)
