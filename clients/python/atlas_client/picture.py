"""A map as a still picture for a notebook: every point drawn in its topic's colour (the map page's palette)
into a PNG written with numpy and zlib alone, and the broad topics' labels placed over it as HTML text."""

import base64
import colorsys
import html
import struct
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

# The map page's topic palette (frontend/src/palette.ts): the same topic has the same colour in both.
BASE = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    (174, 199, 232), (255, 187, 120), (152, 223, 138), (255, 152, 150), (197, 176, 213),
    (196, 156, 148), (247, 182, 210), (199, 199, 199), (219, 219, 141), (158, 218, 229),
)  # fmt: skip
BACKGROUND = (255, 255, 255)
WIDTH, HEIGHT, MARGIN = 720, 440, 12


def topic_colour(topic: int) -> tuple[int, int, int]:
    """One topic's colour: the base set, then golden-angle hues, as the page picks them."""
    if 0 <= topic < len(BASE):
        return BASE[topic]
    hue = (abs(topic) * 137.508) % 360 / 360
    red, green, blue = colorsys.hls_to_rgb(hue, 0.45 if topic % 2 == 0 else 0.6, 0.65)
    return round(red * 255), round(green * 255), round(blue * 255)


def frame(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float, float]:
    """The map's extent and the scale that fits it into the picture with its aspect kept: (minx, miny, scale,
    offset x, offset y) such that a point's pixel is offset + (value - min) * scale, y pointing down."""
    minx, maxx, miny, maxy = float(x.min()), float(x.max()), float(y.min()), float(y.max())
    spanx, spany = max(maxx - minx, 1e-9), max(maxy - miny, 1e-9)
    scale = min((WIDTH - 2 * MARGIN) / spanx, (HEIGHT - 2 * MARGIN) / spany)
    return minx, miny, scale, (WIDTH - spanx * scale) / 2, (HEIGHT - spany * scale) / 2


def pixels(x: np.ndarray, y: np.ndarray, topics: np.ndarray) -> np.ndarray:
    """An RGB image (HEIGHT x WIDTH x 3) with every point as a 2 x 2 dot, later rows on top."""
    image = np.empty((HEIGHT, WIDTH, 3), dtype=np.uint8)
    image[:] = BACKGROUND
    if len(x) == 0:
        return image
    minx, miny, scale, offx, offy = frame(x, y)
    cols = np.clip((offx + (x - minx) * scale).astype(np.int64), 0, WIDTH - 2)
    rows = np.clip((HEIGHT - offy - (y - miny) * scale).astype(np.int64), 0, HEIGHT - 2)
    palette = {int(t): topic_colour(int(t)) for t in np.unique(topics)}
    colours = np.array([palette[int(t)] for t in topics], dtype=np.uint8).reshape(-1, 3)
    for dy in (0, 1):
        for dx in (0, 1):
            image[rows + dy, cols + dx] = colours
    return image


def png(image: np.ndarray) -> bytes:
    """An RGB image as PNG bytes: one IDAT of unfiltered scanlines, deflated."""
    height, width, _ = image.shape
    raw = np.hstack([np.zeros((height, 1), dtype=np.uint8), image.reshape(height, width * 3)]).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def labelled_picture(
    x: np.ndarray, y: np.ndarray, topics: np.ndarray, labels: Sequence[dict[str, Any]], alt: str
) -> str:
    """The picture as HTML: the PNG inline, with each label ({"label", "x", "y"} in map units) placed as text
    over it. Labels are user data: escaped, never markup."""
    encoded = base64.b64encode(png(pixels(x, y, topics))).decode("ascii")
    placed = []
    if len(x):
        minx, miny, scale, offx, offy = frame(x, y)
        for label in labels:
            left = offx + (float(label["x"]) - minx) * scale
            top = HEIGHT - offy - (float(label["y"]) - miny) * scale
            placed.append(
                f'<span style="position:absolute;left:{left:.0f}px;top:{top:.0f}px;transform:translate(-50%,-50%);'
                "font:600 12px sans-serif;color:#222;background:rgba(255,255,255,.7);padding:0 3px;"
                f'border-radius:3px;white-space:nowrap">{html.escape(str(label["label"]))}</span>'
            )
    return (
        f'<div style="position:relative;width:{WIDTH}px;height:{HEIGHT}px">'
        f'<img alt="{html.escape(alt, quote=True)}" width="{WIDTH}" height="{HEIGHT}" '
        f'src="data:image/png;base64,{encoded}">{"".join(placed)}</div>'
    )
