"""Files built to cost a decoder far more than their size says (the tests and bench.abuse): a progressive JPEG
with one scan repeated, a run-length BMP of many short runs, a TIFF of many strips, and large high-bit-depth
pictures that compress to almost nothing."""

import io
import struct

import numpy as np
from PIL import Image

START_OF_SCAN, END_OF_IMAGE = b"\xff\xda", b"\xff\xd9"


def many_scans_jpeg(size: tuple[int, int], scans: int) -> bytes:
    """A progressive JPEG whose smallest scan is repeated until it has `scans`: a few bytes each, and each a pass
    over the whole picture for the decoder."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 90, 60)).save(buffer, "JPEG", progressive=True, quality=30)
    data = buffer.getvalue()
    starts = [index for index in range(len(data) - 1) if data[index : index + 2] == START_OF_SCAN]
    ends = [*starts[1:], data.rindex(END_OF_IMAGE)]
    first, end = min(zip(starts, ends, strict=True), key=lambda scan: scan[1] - scan[0])
    scan = data[first:end]
    return data[:first] + scan * (scans - len(starts) + 1) + data[end:]


def run_length_bmp(width: int, height: int) -> bytes:
    """An 8-bit run-length BMP of runs one pixel long: two bytes a pixel for Pillow's Python decoder to read."""
    row = b"\x01\x07\x01\x09" * (width // 2) + b"\x00\x00"  # alternating palette entries, then end of line
    pixels = row * height + b"\x00\x01"  # end of bitmap
    palette = b"".join(bytes((value, value, value, 0)) for value in range(256))
    offset = 14 + 40 + len(palette)
    header = struct.pack("<2sIHHI", b"BM", offset + len(pixels), 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(pixels), 2835, 2835, 256, 0)
    return header + info + palette + pixels


def many_strips_tiff(width: int, height: int) -> bytes:
    """A gray TIFF with one row a strip (`height` strips; PackBits, which libtiff writes strip by strip)."""
    buffer = io.BytesIO()
    Image.new("L", (width, height), 128).save(buffer, "TIFF", compression="packbits", strip_size=width)
    return buffer.getvalue()


def float_tiff(width: int, height: int) -> bytes:
    """A 32-bit float gray TIFF, deflated: a few hundred kilobytes for 4 bytes a pixel once decoded."""
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((height, width), np.float32)).save(buffer, "TIFF", compression="tiff_adobe_deflate")
    return buffer.getvalue()


def sixteen_bit_png(width: int, height: int) -> bytes:
    """A 16-bit gray PNG of one value: 2 bytes a pixel once decoded, almost nothing in the file."""
    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width), 30000, np.uint16)).save(buffer, "PNG")
    return buffer.getvalue()


def size_switching_avi(first: tuple[int, int], then: tuple[int, int], frames: int = 5, fps: int = 5) -> bytes:
    """An MJPEG AVI whose headers and first `frames` frames are `first` (width, height), and whose next `frames`
    are `then`: every frame a JPEG of its own size, as MJPEG allows."""

    def chunk(fourcc: bytes, data: bytes) -> bytes:
        return fourcc + struct.pack("<I", len(data)) + data + b"\0" * (len(data) % 2)

    def listed(kind: bytes, data: bytes) -> bytes:
        return chunk(b"LIST", kind + data)

    def jpeg(size: tuple[int, int]) -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", size, (90, 120, 150)).save(buffer, "JPEG", quality=50)
        return buffer.getvalue()

    pictures = [jpeg(first)] * frames + [jpeg(then)] * frames
    width, height = first
    main = struct.pack("<10I4I", 1_000_000 // fps, 0, 0, 0x10, len(pictures), 0, 1, 0, width, height, 0, 0, 0, 0)
    stream = struct.pack(
        "<4s4sIHHIIIIIIIIhhhh",
        b"vids",
        b"MJPG",
        0,
        0,
        0,
        0,
        1,
        fps,
        0,
        len(pictures),
        0,
        0xFFFFFFFF,
        0,
        0,
        0,
        width,
        height,
    )
    form = struct.pack("<IiiHH4sIiiII", 40, width, height, 1, 24, b"MJPG", width * height * 3, 0, 0, 0, 0)
    header = listed(b"hdrl", chunk(b"avih", main) + listed(b"strl", chunk(b"strh", stream) + chunk(b"strf", form)))
    movie, index, offset = b"", b"", 4
    for picture in pictures:
        frame = chunk(b"00dc", picture)
        index += struct.pack("<4sIII", b"00dc", 0x10, offset, len(picture))
        movie, offset = movie + frame, offset + len(frame)
    body = b"AVI " + header + listed(b"movi", movie) + chunk(b"idx1", index)
    return b"RIFF" + struct.pack("<I", len(body)) + body
