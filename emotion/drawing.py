"""Boxes and labels drawn on a copy of the photo, legible from thumbnails to 40-megapixel photos."""

from collections.abc import Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from emotion.images import photo_scale, to_rgb_array
from emotion.labels import COLOURS
from emotion.results import FaceResult


def overlay_heat(rgb: np.ndarray, box: tuple[int, int, int, int], heat: np.ndarray) -> None:
    """Blend a [0, 1] map, stretched over the box, into the photo in place: hot parts in red to yellow,
    cold parts left as they are."""
    x, y, w, h = box
    right, bottom = min(x + w, rgb.shape[1]), min(y + h, rgb.shape[0])
    if right <= x or bottom <= y:
        return
    stretched = cv2.resize(heat.astype(np.float32), (right - x, bottom - y), interpolation=cv2.INTER_LINEAR)
    colours = cv2.applyColorMap(np.uint8(np.clip(stretched, 0, 1) * 255), cv2.COLORMAP_JET)[:, :, ::-1]
    alpha = (0.6 * np.clip(stretched, 0, 1))[:, :, None]
    region = rgb[y:bottom, x:right].astype(np.float32)
    rgb[y:bottom, x:right] = (region * (1 - alpha) + colours * alpha).astype(np.uint8)


def draw_faces(
    image: Image.Image | np.ndarray,
    faces: Sequence[FaceResult],
    heatmaps: Sequence[np.ndarray] | None = None,
    numbers: Sequence[int] | None = None,
) -> Image.Image:
    """A copy of the photo with each face boxed and labelled '#n label 87%' in its class colour, with a
    '(!)' after the label when the face has warnings (the reasons are in the result, not on the photo).
    With `heatmaps` (one per face, Predictor.explain), each is laid over its face's box first. `numbers`
    replaces the 1, 2, 3... of the labels (live mode's track numbers) and is shown even for one face."""
    faces = [face.scaled(1 / photo_scale(image)) for face in faces]  # into the pixels of the picture drawn on
    rgb = to_rgb_array(image).copy()
    if heatmaps is not None:
        for face, heat in zip(faces, heatmaps, strict=True):
            overlay_heat(rgb, face.box, heat)
    canvas = Image.fromarray(rgb)
    draw = ImageDraw.Draw(canvas)
    longest = max(canvas.size)
    line = max(2, round(longest / 250))
    font = ImageFont.load_default(size=max(12, round(longest / 32)))
    for number, face in zip(numbers or range(1, len(faces) + 1), faces, strict=True):
        x, y, w, h = face.box
        colour = COLOURS[face.label]
        draw.rectangle((x, y, x + w - 1, y + h - 1), outline=colour, width=line)
        prefix = f"#{number} " if numbers or len(faces) > 1 else ""
        mark = " (!)" if face.warnings else ""
        text = f"{prefix}{face.label} {face.scores[face.label]:.0%}{mark}"
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        text_w, text_h = right - left, bottom - top
        pad = max(2, line)
        label_y = y - text_h - 2 * pad if y - text_h - 2 * pad >= 0 else min(y + h, canvas.height - text_h - 2 * pad)
        label_x = min(max(0, x), max(0, canvas.width - text_w - 2 * pad))
        draw.rectangle((label_x, label_y, label_x + text_w + 2 * pad, label_y + text_h + 2 * pad), fill=colour)
        draw.text((label_x + pad - left, label_y + pad - top), text, fill=(0, 0, 0), font=font)
    return canvas
