"""Helpers for explorer tests: open a synthetic map at 1280×720 and read its pixels at map coordinates."""

import io

import numpy as np
from PIL import Image
from playwright.sync_api import Page

from tests.synthetic_map import SyntheticMap

# Centre and zoom every point fits in at 1280×720: x -41..46, y -31..21, 8 pixels per unit.
CAMERA = (2.0, -5.0, 3.0)
GO, PYTHON, RUST = (31, 119, 180), (255, 127, 14), (44, 160, 44)


def open_map(page: Page, base: str, synthetic: SyntheticMap, query: str = "") -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{base}/maps/{synthetic.dataset.id}{query}")
    page.wait_for_selector("body[data-map-ready='1']", timeout=60_000)


def enter(page: Page, label: str, value: str) -> None:
    """Type into the input with this aria-label and commit it, as leaving the field does."""
    page.fill(f"[aria-label='{label}']", value)
    page.locator(f"[aria-label='{label}']").dispatch_event("change")


def pixels(page: Page) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(page.locator("#map").screenshot())).convert("RGB")).astype(float)


def mean_colour_at(page: Page, image: np.ndarray, x: float, y: float, camera: tuple[float, float, float]) -> np.ndarray:
    """The mean colour of a 7×7 window around map coordinates (x, y) under that camera."""
    box = page.locator("#map").bounding_box()
    assert box is not None
    cx, cy, zoom = camera
    scale = 2**zoom
    px = round(box["width"] / 2 + (x - cx) * scale)
    py = round(box["height"] / 2 - (y - cy) * scale)
    return image[py - 3 : py + 4, px - 3 : px + 4].reshape(-1, 3).mean(axis=0)


def nearest(colour: np.ndarray, named: dict[str, tuple[int, int, int]]) -> str:
    return min(named, key=lambda name: float(np.linalg.norm(colour - np.array(named[name]))))


def screen_at(page: Page, x: float, y: float, camera: tuple[float, float, float] = CAMERA) -> tuple[float, float]:
    """Page pixel coordinates of map coordinates (x, y) under that camera, for mouse events."""
    box = page.locator("#map").bounding_box()
    assert box is not None
    cx, cy, zoom = camera
    scale = 2**zoom
    return box["x"] + box["width"] / 2 + (x - cx) * scale, box["y"] + box["height"] / 2 - (y - cy) * scale


def view_query(camera: tuple[float, float, float] = CAMERA) -> str:
    return "?v=" + ",".join(str(n) for n in camera)
