"""The page's settings, each in one place."""

from emotion.limits import ASSETS, RUN_SECONDS

# Different expressions, then a group (assets/README.md: sources and licences).
EXAMPLES = [
    str(ASSETS / "examples" / name)
    for name in (
        "happy_baby.jpg",
        "angry.jpg",
        "sad_baby.jpg",
        "neutral.jpg",
        "surprised.jpg",
        "group.jpg",
        "astronaut.jpg",
    )
]
# Live webcam: a frame every LIVE_INTERVAL s (the pipeline takes ~35 ms a frame, so the queue keeps up), each
# run stops after LIVE_SECONDS so one visitor cannot hold a slot (the page stops the camera's stream and
# the server ignores what still comes), at most LIVE_STREAMS at once.
LIVE_INTERVAL = 0.1
LIVE_SECONDS = RUN_SECONDS
LIVE_STREAMS = 4
# Gradio keeps every upload and every result image in its cache: sweep it every minute and delete what is
# older than two minutes (long enough for the browser to fetch results and for "classify the whole image").
CACHE_CLEANUP = (60, 120)
RESULT_SECONDS = CACHE_CLEANUP[1]  # how long a page's result answers its clicks (its files are swept after that)
TIMELINE_GAP = 1.0  # seconds without a face that a timeline shows as a gap, not a line across
CLIP_SECONDS_PER_MINUTE = 15  # the page's own time for 60 s of 720p: python -m bench.page_clip (docs/pipeline.md)
LIMITS = (
    "Frontal faces work best. FER2013 mixes posed and spontaneous expressions, 48x48 grayscale, mostly "
    "adults; the model reads a face's appearance, not what the person feels. Disgust is rare (1.8% of the "
    "FER+ votes on its training faces), so the model seldom says it."
)
