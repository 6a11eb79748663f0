"""Boxes and labels drawn on a copy of the picture: photos, live frames and the annotated clip alike.

Labels are sized for the box a picture is shown in (DISPLAY, a 3:2 box, as the page shows photos): a picture
drawn to fit it (`to_display`, the page's photos, small ones scaled up) has labels LABEL_FONT pixels high whatever
its shape, so portrait and landscape photos read alike. A label never covers another face's box: it goes beside
its face, clear of every box, of the labels placed before it and of the top corners, where the page's buttons sit
(CORNER). With more than NUMBERS_ONLY_OVER faces, or where full labels do not fit, labels shrink to the face's
number (the page's table carries the rest); only where even a number finds no room outside, it goes inside its own
face's box.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from emotion.images import photo_scale, to_rgb_array
from emotion.labels import COLOURS
from emotion.results import FaceResult

DISPLAY = (1200, 800)  # the box pictures are drawn for; page.css shows photos in a box of this shape
LABEL_FONT = 44  # a label's font size in DISPLAY's pixels: 22 CSS px in a 600 px column, 12 in a phone's 330
NUMBERS_ONLY_OVER = 12  # more faces than this: every label is the face's number alone
CROWD_SHRINK = (1.0, 0.75, 0.5)  # the numbers' font, tried in turn, where the crowd leaves no room between faces
CORNER = (0.14, 0.12)  # the share of the picture's width and height kept free at each top corner

Rect = tuple[int, int, int, int]  # left, top, right, bottom


@dataclass(frozen=True)
class Label:
    text: str
    rect: Rect  # the label's filled background, in the picture's pixels
    font_size: int  # in the picture's pixels


def overlap(a: Rect, b: Rect) -> int:
    """The area two rectangles share."""
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def overlaps(candidates: np.ndarray, obstacles: np.ndarray) -> np.ndarray:
    """The area each candidate rectangle (k, 4) shares with all the obstacles (m, 4) together: (k,)."""
    if len(obstacles) == 0:
        return np.zeros(len(candidates))
    width = np.minimum(candidates[:, None, 2], obstacles[None, :, 2]) - np.maximum(
        candidates[:, None, 0], obstacles[None, :, 0]
    )
    height = np.minimum(candidates[:, None, 3], obstacles[None, :, 3]) - np.maximum(
        candidates[:, None, 1], obstacles[None, :, 1]
    )
    return (np.clip(width, 0, None) * np.clip(height, 0, None)).sum(axis=1)


def corners(size: tuple[int, int]) -> list[Rect]:
    """The picture's top corners that labels keep clear of."""
    width, height = size
    corner_w, corner_h = round(CORNER[0] * width), round(CORNER[1] * height)
    return [(0, 0, corner_w, corner_h), (width - corner_w, 0, width, corner_h)]


def display_scale(size: tuple[int, int]) -> float:
    """How much a picture of `size` is scaled to fit DISPLAY (above 1 for small pictures)."""
    return min(DISPLAY[0] / size[0], DISPLAY[1] / size[1])


def label_font(size: tuple[int, int]) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=max(8, round(LABEL_FONT / display_scale(size))))


def label_text(number: int | None, face: FaceResult, percent: bool = True) -> str:
    prefix = f"#{number} " if number is not None else ""
    mark = " (!)" if face.warnings else ""
    share = f" {face.scores[face.label]:.0%}" if percent else ""
    return f"{prefix}{face.label}{share}{mark}"


def face_numbers(faces: Sequence[FaceResult], numbers: Sequence[int] | None) -> list[int | None]:
    """The numbers the labels show: `numbers` if given, else 1, 2, 3... when there is more than one face."""
    if numbers is not None:
        return list(numbers)
    return list(range(1, len(faces) + 1)) if len(faces) > 1 else [None] * len(faces)


def place_labels(size: tuple[int, int], faces: Sequence[FaceResult], numbers: Sequence[int | None]) -> list[Label]:
    """Where each face's label goes (faces in the picture's pixels), in the order given: full labels if every one
    fits outside all boxes, else without the percentage, else numbers alone (NUMBERS_ONLY_OVER)."""
    font = label_font(size)
    boxes = np.array([(x, y, x + w, y + h) for x, y, w, h in (face.box for face in faces)], np.int64).reshape(-1, 4)
    if len(faces) <= NUMBERS_ONLY_OVER:  # "#1 happy 87%", else "#1 happy", if each fits
        for percent in (True, False):
            texts = [label_text(number, face, percent) for number, face in zip(numbers, faces, strict=True)]
            labels = arrange(size, boxes, texts, font, inside=False)
            if labels is None and len(faces) == 1:  # a face filling the picture: its label inside its own box
                labels = arrange(size, boxes, texts, font, inside=True)
            if labels is not None and not covers_another(labels, boxes):
                return labels
    short = [f"#{number if number is not None else index}" for index, number in enumerate(numbers, start=1)]
    fonts = [ImageFont.load_default(size=max(8, round(font.size * shrink))) for shrink in CROWD_SHRINK]
    for smaller in fonts[:-1]:  # a dense crowd: smaller numbers, where they find room outside every box
        labels = arrange(size, boxes, short, smaller, inside=False)
        if labels is not None:
            return labels
    return arrange(size, boxes, short, fonts[-1], inside=True)


def covers_another(labels: list[Label], boxes: np.ndarray) -> bool:
    rects = np.array([label.rect for label in labels])
    return any(overlaps(rects[[index]], np.delete(boxes, index, axis=0))[0] > 0 for index in range(len(labels)))


def arrange(
    size: tuple[int, int], boxes: np.ndarray, texts: list[str], font: ImageFont.FreeTypeFont, inside: bool
) -> list[Label] | None:
    """Each text's place beside its box, the first clear one (above, below, right, left, each aligned to the box's
    start, middle or end), clear of every box, of the labels before it and of the corners. None when one finds no
    clear place and not `inside`; with `inside`, such a label takes the least covered place, its own box's inside
    top and bottom included."""
    width, height = size
    pad = max(2, round(font.size / 6))
    taken = np.concatenate([np.array(corners(size)), np.zeros((len(texts), 4), np.int64)])  # corners, then labels
    labels = []
    for index, text in enumerate(texts):
        left, top, right, bottom = font.getbbox(text)
        label_w, label_h = right - left + 2 * pad, bottom - top + 2 * pad
        x0, y0, x1, y1 = boxes[index]
        starts = (x0, (x0 + x1 - label_w) // 2, x1 - label_w)
        under_corner = max(y1, taken[0][3])  # a face in a top corner: its label just below the corner
        places = [(x, y0 - label_h) for x in starts] + [(x, y) for y in (y1, under_corner) for x in starts]
        places += [(x1, y) for y in (y0, (y0 + y1 - label_h) // 2)] + [(x0 - label_w, y) for y in (y0, y1 - label_h)]
        if inside:
            places += [(x0, y0), (x0, y1 - label_h)]
        xy = np.array(places)
        xy[:, 0] = np.clip(xy[:, 0], 0, max(0, width - label_w))
        xy[:, 1] = np.clip(xy[:, 1], 0, max(0, height - label_h))
        rects = np.concatenate([xy, xy + (label_w, label_h)], axis=1)
        # Another face is never covered where it can be helped; then the corners and the labels before; its own face
        # last.
        cost = 100 * overlaps(rects, np.delete(boxes, index, axis=0)) + 10 * overlaps(rects, taken[: 2 + index])
        cost = cost + overlaps(rects, boxes[[index]])
        clear = np.flatnonzero(cost == 0)
        if len(clear) == 0 and not inside:
            return None
        chosen = clear[0] if len(clear) else int(np.argmin(cost))
        rect = tuple(int(value) for value in rects[chosen])
        taken[2 + index] = rect
        labels.append(Label(text, rect, font.size))
    return labels


def overlay_heat(rgb: np.ndarray, box: tuple[int, int, int, int], heat: np.ndarray) -> None:
    """Blend a [0, 1] map, stretched over the box, into the photo in place: hot parts in red to yellow,
    cold parts left as they are."""
    x, y, w, h = box
    right, bottom = min(x + w, rgb.shape[1]), min(y + h, rgb.shape[0])
    x, y = max(x, 0), max(y, 0)
    if right <= x or bottom <= y:
        return
    stretched = cv2.resize(heat.astype(np.float32), (right - x, bottom - y), interpolation=cv2.INTER_LINEAR)
    colours = cv2.applyColorMap(np.uint8(np.clip(stretched, 0, 1) * 255), cv2.COLORMAP_JET)[:, :, ::-1]
    alpha = (0.6 * np.clip(stretched, 0, 1))[:, :, None]
    region = rgb[y:bottom, x:right].astype(np.float32)
    rgb[y:bottom, x:right] = (region * (1 - alpha) + colours * alpha).astype(np.uint8)


def fitted(image: Image.Image | np.ndarray, faces: Sequence[FaceResult]) -> tuple[np.ndarray, list[FaceResult]]:
    """The picture resized to fit DISPLAY (up or down), and the faces in its pixels."""
    rgb = to_rgb_array(image)
    scale = display_scale((rgb.shape[1], rgb.shape[0]))
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    resample = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(rgb, size, interpolation=resample), [face.scaled(scale) for face in faces]


def draw_faces(
    image: Image.Image | np.ndarray,
    faces: Sequence[FaceResult],
    heatmaps: Sequence[np.ndarray] | None = None,
    numbers: Sequence[int] | None = None,
    highlight: int | None = None,
    to_display: bool = False,
) -> Image.Image:
    """A copy of the picture with each face boxed and labelled '#n label 87%' in its class colour, with a
    '(!)' after the label when the face has warnings (the reasons are in the result, not on the picture).
    With `heatmaps` (one per face, Predictor.explain), each is laid over its face's box first. `numbers`
    replaces the 1, 2, 3... of the labels (live mode's track numbers) and is shown even for one face.
    `highlight` is the index of a face whose box is drawn thick, outlined in white; `to_display` draws on the
    picture resized to fit DISPLAY."""
    faces = [face.scaled(1 / photo_scale(image)) for face in faces]  # into the pixels of the picture drawn on
    rgb, faces = fitted(image, faces) if to_display else (to_rgb_array(image).copy(), faces)
    if heatmaps is not None:
        for face, heat in zip(faces, heatmaps, strict=True):
            overlay_heat(rgb, face.box, heat)
    canvas = Image.fromarray(rgb)
    draw = ImageDraw.Draw(canvas)
    line = max(2, round(LABEL_FONT / 12 / display_scale(canvas.size)))
    font = label_font(canvas.size)
    for index, face in enumerate(faces):
        x, y, w, h = face.box
        if index == highlight:
            draw.rectangle(
                (x - 2 * line, y - 2 * line, x + w + 2 * line, y + h + 2 * line), outline="white", width=line
            )
        width = 2 * line if index == highlight else line
        draw.rectangle((x, y, x + w - 1, y + h - 1), outline=COLOURS[face.label], width=width)
    for face, label in zip(faces, place_labels(canvas.size, faces, face_numbers(faces, numbers)), strict=True):
        draw.rectangle(label.rect, fill=COLOURS[face.label])
        left, top, _, _ = font.getbbox(label.text)
        pad = max(2, round(font.size / 6))
        draw.text((label.rect[0] + pad - left, label.rect[1] + pad - top), label.text, fill=(0, 0, 0), font=font)
    return canvas
