"""The web app put together: the Gradio page (emotion.app.page) with the REST routes beside it, behind the guard,
in the app's own temporary folder. `build_demo(predictor).launch()` serves the whole app, however it is
launched: `python app.py`, `gradio app.py`, a Space or a test."""

import logging
import os
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from emotion.app.clients import Clients, trust_the_spaces_proxy
from emotion.app.guard import Guard
from emotion.app.headroom import raise_descriptor_limit
from emotion.app.jobs import PageJobs
from emotion.app.page.about_tab import about_tab
from emotion.app.page.settings import CACHE_CLEANUP
from emotion.app.page.upload_tab import upload_tab
from emotion.app.page.video_tab import video_tab
from emotion.app.page.webcam_tab import webcam_tab
from emotion.app.requestlog import RateLimit
from emotion.app.rest import build_rest_router
from emotion.app.scratch import cache_folder, empty_at_exit, empty_at_start, start_sweeping
from emotion.labels import CLASSES
from emotion.limits import APP_LIMITS
from emotion.predictor import Predictor

PAGE_FILES = Path(__file__).resolve().parent / "page"  # page.css and page.js
_sweeping: list = []  # the process's one sweeping thread, once a page is launched
ASYNCIO_LINES = RateLimit()  # asyncio logs "accept() out of system resource" once a loop turn when descriptors run out


class Page(gr.Blocks):
    """The page with what it serves beside it: launch() adds the REST routes, the guard, the page's CSS and
    JavaScript and the upload and error settings to whatever the caller passes."""

    def __init__(self, predictor: Predictor, delete_cache: tuple[int, int]):
        super().__init__(title="Facial expression recognition", delete_cache=delete_cache)
        self.predictor = predictor
        self.jobs = PageJobs(self)
        self.clients = Clients()

    def launch(self, **options):
        """Sweeps the app's temporary folder from then on, sparing the example photos Gradio keeps there and the
        files of jobs queued or running, and empties it when the process stops cleanly."""
        if not _sweeping:
            _sweeping.append(start_sweeping(*CACHE_CLEANUP, keep=lambda: self.kept_files() | self.jobs.files()))
            empty_at_exit()
        raise_descriptor_limit()
        if ASYNCIO_LINES not in logging.getLogger("asyncio").filters:
            logging.getLogger("asyncio").addFilter(ASYNCIO_LINES)
        trust_the_spaces_proxy()
        settings = {
            "max_file_size": APP_LIMITS.max_bytes,  # photos are held to their own limit by the handler
            "run_history": False,
            "allowed_paths": [],
            "show_error": False,
            "css_paths": [PAGE_FILES / "page.css"],
            "js": (PAGE_FILES / "page.js").read_text(),
            "app_kwargs": {
                "routes": build_rest_router(self.predictor).routes,
                "middleware": [Middleware(Guard, jobs=self.jobs, clients=self.clients)],
            },
        }
        return super().launch(**(settings | options))

    def kept_files(self) -> set[str]:
        """The files Gradio keeps in its cache for as long as the page runs (the examples' copies)."""
        return set().union(*(getattr(block, "keep_in_cache", set()) for block in self.blocks.values()))


def build_demo(predictor: Predictor, delete_cache: tuple[int, int] = CACHE_CLEANUP) -> Page:
    empty_at_start()  # once a process, before the examples are copied in: what a crashed process left goes
    os.environ["GRADIO_TEMP_DIR"] = str(cache_folder())  # Gradio's cache inside the app's own folder
    with Page(predictor, delete_cache) as demo:
        gr.Markdown(
            "# Facial expression recognition\nUpload a photo, use your webcam (a snapshot or live) or analyse a "
            f"video clip: every face is boxed and scored for seven expressions ({', '.join(CLASSES)})."
        )
        with gr.Tabs() as tabs:  # each tab makes its own components and wires its own events
            upload_tab(predictor)
            webcam_tab(predictor, tabs)
            video_tab(predictor)
            about_tab(predictor)
    # api_open=False: a queued function answers only through the queue (Gradio's /run/ route refuses it).
    demo.queue(default_concurrency_limit=2, max_size=32, api_open=False)
    return demo
