"""Boxes and labels drawn on a copy of the photo, legible from thumbnails to 40-megapixel photos, on photos, live
frames and the annotated clip alike.

Labels are sized to the picture's width (what a page scales it by): LABEL_FONT_WIDTHS labels' font sizes fit
across it, so where a phone shows a photo 324 px wide the font is 12 px. Each face's label goes in the first place of
LABEL_PLACES (or stacked against a label placed before) that is inside the picture and clear of the labels placed
before it, of the other faces and of the top corners, where the page's buttons and chips sit (CORNER); where none
is clear, in the least covered; nearer its face first.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from emotion.images import photo_scale, to_rgb_array
from emotion.labels import COLOURS
from emotion.results import FaceResult

LABEL_FONT_WIDTHS = 27  # the picture's width in label font sizes
CORNER = (0.14, 0.12)  # the share of the picture's width and height kept free at each top corner
LABEL_PLACES = ("above", "below", "beside right", "beside left", "inside top", "inside bottom")

Rect = tuple[int, int, int, int]  # left, top, right, bottom


@dataclass(frozen=True)
class Label:
    text: str
    rect: Rect  # the label's filled background, in the picture's pixels
    font_size: int  # in the picture's pixels


def overlap(a: Rect, b: Rect) -> int:
    """The area two rectangles share."""
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def gap(a: Rect, b: Rect) -> int:
    """How far apart two rectangles are (0 when they touch or overlap)."""
    return max(0, a[0] - b[2], b[0] - a[2]) + max(0, a[1] - b[3], b[1] - a[3])


def corners(size: tuple[int, int]) -> list[Rect]:
    """The picture's top corners that labels keep clear of."""
    width, height = size
    corner_w, corner_h = round(CORNER[0] * width), round(CORNER[1] * height)
    return [(0, 0, corner_w, corner_h), (width - corner_w, 0, width, corner_h)]


def label_font(size: tuple[int, int]) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=max(12, round(size[0] / LABEL_FONT_WIDTHS)))


def label_text(number: int | None, face: FaceResult) -> str:
    prefix = f"#{number} " if number is not None else ""
    mark = " (!)" if face.warnings else ""
    return f"{prefix}{face.label} {face.scores[face.label]:.0%}{mark}"


def place_labels(size: tuple[int, int], faces: Sequence[FaceResult], numbers: Sequence[int | None]) -> list[Label]:
    """Where each face's label goes (faces in the picture's pixels), in the order given."""
    width, height = size
    font = label_font(size)
    pad = max(2, round(font.size / 6))
    boxes: list[Rect] = [(x, y, x + w, y + h) for x, y, w, h in (face.box for face in faces)]
    taken: list[Rect] = []
    labels = []
    for index, (number, face) in enumerate(zip(numbers, faces, strict=True)):
        text = label_text(number, face)
        left, top, right, bottom = font.getbbox(text)
        label_w, label_h = right - left + 2 * pad, bottom - top + 2 * pad
        x0, y0, x1, y1 = boxes[index]
        tops = {"above": y0 - label_h, "below": y1, "inside top": y0, "inside bottom": y1 - label_h}
        tops |= {"beside right": y0, "beside left": y0}
        lefts = {"beside right": x1, "beside left": x0 - label_w}
        # then stacked against a label placed before: just under it or just over it
        places = [(tops[place], lefts.get(place, x0)) for place in LABEL_PLACES]
        places += [(rect[3], x0) for rect in taken] + [(rect[1] - label_h, x0) for rect in taken]
        others = boxes[:index] + boxes[index + 1 :]
        candidates = []
        for order, (label_y, start) in enumerate(places):
            label_y = int(np.clip(label_y, 0, max(0, height - label_h)))
            for shift in (0, 0.5, -0.5, 1, -1):  # aligned with the box, else slid right or left
                label_x = int(np.clip(start + shift * label_w, 0, max(0, width - label_w)))
                rect = (label_x, label_y, label_x + label_w, label_y + label_h)
                cost = 10 * sum(overlap(rect, other) for other in taken) + 50 * sum(
                    overlap(rect, corner) for corner in corners(size)
                )
                cost += sum(overlap(rect, other) for other in others)
                cost += overlap(rect, boxes[index]) // 4  # inside its own box only when outside is taken
                cost += gap(rect, boxes[index]) * label_h  # and near it: a label far away reads as another's
                candidates.append((cost, order, abs(shift), rect))
        rect = min(candidates)[3]
        taken.append(rect)
        labels.append(Label(text, rect, font.size))
    return labels


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


def face_numbers(faces: Sequence[FaceResult], numbers: Sequence[int] | None) -> list[int | None]:
    """The numbers the labels show: `numbers` if given, else 1, 2, 3... when there is more than one face."""
    if numbers is not None:
        return list(numbers)
    return list(range(1, len(faces) + 1)) if len(faces) > 1 else [None] * len(faces)


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
    line = max(2, round(max(canvas.size) / 250))
    font = label_font(canvas.size)
    for face in faces:
        x, y, w, h = face.box
        draw.rectangle((x, y, x + w - 1, y + h - 1), outline=COLOURS[face.label], width=line)
    for face, label in zip(faces, place_labels(canvas.size, faces, face_numbers(faces, numbers)), strict=True):
        draw.rectangle(label.rect, fill=COLOURS[face.label])
        left, top, _, _ = font.getbbox(label.text)
        pad = max(2, round(font.size / 6))
        draw.text((label.rect[0] + pad - left, label.rect[1] + pad - top), label.text, fill=(0, 0, 0), font=font)
    return canvas
