"""Made-up pictures: with no face in them (the detector's tests and benchmark), crowds, two people to choose from
(the page's tests and screenshots)."""

import cv2
import numpy as np
from PIL import Image
from skimage import data as skimage_data

from harness.clips import EXAMPLES

# scikit-image's sample images that hold no face (the astronaut and the cameraman do; "cat" repeats "chelsea").
FACE_FREE_SAMPLES = (
    "binary_blobs",
    "brick",
    "cell",
    "checkerboard",
    "chelsea",
    "clock",
    "coffee",
    "coins",
    "colorwheel",
    "grass",
    "gravel",
    "horse",
    "hubble_deep_field",
    "immunohistochemistry",
    "logo",
    "microaneurysms",
    "moon",
    "page",
    "retina",
    "rocket",
    "shepp_logan_phantom",
    "stereo_motorcycle",
    "text",
)


def as_rgb(image: np.ndarray) -> np.ndarray:
    """Any scikit-image sample (bool, float, gray, RGBA) as (H, W, 3) uint8."""
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    elif image.dtype != np.uint8:
        image = (255 * (image - image.min()) / max(float(np.ptp(image)), 1e-9)).astype(np.uint8)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[..., :3])


def drawings(count: int, seed: int = 0) -> list[np.ndarray]:
    """Random line drawings, circles and ellipses included (the parts a face is drawn with), on flat
    or noisy backgrounds."""
    rng = np.random.default_rng(seed)
    images = []
    for index in range(count):
        canvas = np.full((360, 480, 3), rng.integers(0, 256, 3), np.uint8)
        if index % 2:
            canvas = np.clip(canvas + rng.normal(0, 30, canvas.shape), 0, 255).astype(np.uint8)
        for _ in range(rng.integers(5, 25)):
            colour = tuple(int(c) for c in rng.integers(0, 256, 3))
            x, y = int(rng.integers(0, 480)), int(rng.integers(0, 360))
            shape = rng.integers(0, 3)
            if shape == 0:
                cv2.line(canvas, (x, y), (int(rng.integers(0, 480)), int(rng.integers(0, 360))), colour, 3)
            elif shape == 1:
                cv2.circle(canvas, (x, y), int(rng.integers(5, 80)), colour, int(rng.choice([-1, 2])))
            else:
                axes = (int(rng.integers(5, 80)), int(rng.integers(5, 80)))
                cv2.ellipse(canvas, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, colour, -1)
        images.append(canvas)
    return images


def face_free_images() -> list[np.ndarray]:
    """Images with no face: scikit-image's face-free samples, each also as its four quarter crops
    (details the detector then sees larger), and 40 random drawings."""
    images = []
    for name in FACE_FREE_SAMPLES:
        sample = getattr(skimage_data, name)()
        image = as_rgb(sample[0] if isinstance(sample, tuple) else sample)  # stereo_motorcycle: (left, right, ...)
        height, width = image.shape[:2]
        images.append(image)
        images += [
            image[top : top + height // 2, left : left + width // 2]
            for top in (0, height // 2)
            for left in (0, width // 2)
        ]
    return images + drawings(40)


def crowd(count: int, side: int = 96) -> Image.Image:
    """`count` copies of an example's face in rows, with room between them: a crowd photo."""
    face = Image.open(EXAMPLES / "neutral.jpg").convert("RGB")
    face = face.crop((0, 0, min(face.size), min(face.size))).resize((side, side))
    columns = int(np.ceil(np.sqrt(count * 1.5)))
    rows = int(np.ceil(count / columns))
    picture = Image.new("RGB", (columns * side * 3 // 2, rows * side * 2), (200, 200, 200))
    for index in range(count):
        picture.paste(face, ((index % columns) * side * 3 // 2 + side // 4, (index // columns) * side * 2 + side // 2))
    return picture


def packed_crowd(count: int, side: int = 120, columns: int | None = None) -> Image.Image:
    """`count` copies of an example's face side by side, in a square unless `columns` are given: the largest crowd
    the detector sees at once (160 give the 100 faces a photo is analysed for, emotion.limits.MAX_FACES)."""
    face = Image.open(EXAMPLES / "neutral.jpg").convert("RGB")
    face = face.crop((0, 0, min(face.size), min(face.size))).resize((side, side))
    columns, step = columns or int(np.ceil(np.sqrt(count))), side * 21 // 20
    picture = Image.new("RGB", (columns * step, int(np.ceil(count / columns)) * step), (200, 200, 200))
    for index in range(count):
        picture.paste(face, ((index % columns) * step, (index // columns) * step))
    return picture


def two_people(width: int | None = None) -> np.ndarray:
    """The astronaut beside a smaller mirrored copy of herself (1024x512, or `width` wide): two faces of different
    sizes, to choose from."""
    astronaut = skimage_data.astronaut()
    small = np.asarray(Image.fromarray(astronaut[:, ::-1]).resize((384, 384)))
    right = np.zeros_like(astronaut)
    right[64:448, 64:448] = small
    picture = np.concatenate([astronaut, right], axis=1)
    if width is None:
        return picture
    return np.asarray(Image.fromarray(picture).resize((width, width // 2)))
