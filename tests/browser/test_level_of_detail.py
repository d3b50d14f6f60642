"""Level of detail: a map bigger than the moving budget draws a uniform sample while the camera moves and
every point once it settles; a smaller map always draws every point."""

import io
import json

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Page, expect

from maps.models import Dataset, Topic
from tests.accounts import default_workspace
from tests.browser.conftest import ConsoleErrors
from tests.browser.mapview import nearest, open_map, pixels, screen_at, view_query
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)

# frontend/src/lod.ts MOVING_BUDGET; the page says it too (data-moving-budget) and the test checks they agree.
BUDGET = 40_000
ROWS = 60_000
# Lone points on a 20×15 grid two units apart (x 12..50, y -14..14), rows 0..299; the rest a blob at (-20, 0).
GRID = [(12.0 + 2 * (k % 20), -14.0 + 2 * (k // 20)) for k in range(300)]
CAMERA = (10.0, 0.0, 3.0)


def create_big_map(rows: int = ROWS) -> Dataset:
    """A ready map of `rows` points written with COPY: the lone grid points, then a dense Gaussian blob."""
    rng = np.random.default_rng(3)
    blob = rng.normal((-20.0, 0.0), 4.0, size=(rows - len(GRID), 2))
    xy = np.concatenate([np.array(GRID), blob])
    dataset = Dataset.objects.create(
        workspace=default_workspace(),
        name="big",
        source_filename="big.csv",
        upload_path="/nowhere",
        text_field="text",
        columns=["text", "kind"],
        model_name="all-MiniLM-L6-v2",
        status=Dataset.Status.READY,
        stage=Dataset.Stage.DONE,
        row_count=rows,
        topic_count=2,
        finished_at=timezone.now(),
    )
    buffer = io.StringIO()
    for i in range(rows):
        lone = i < len(GRID)
        text = f"lone point {i}" if lone else f"blob point {i}"
        fields = json.dumps({"text": text, "kind": "lone" if lone else "blob"})
        # Topic colours paint the lone points blue; colouring by kind paints them orange (blob is the top value).
        topic = 0 if lone else 1
        buffer.write(f"{dataset.id}\t{i}\t{text}\t{fields}\t{xy[i, 0]}\t{xy[i, 1]}\t{topic}\tf\n")
    buffer.seek(0)
    copy_sql = "COPY maps_point (dataset_id, row_id, text, fields, x, y, topic, noise) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        copy.write(buffer.getvalue())
    # Labels away from the grid, so none covers a lone point.
    Topic.objects.bulk_create(
        [
            Topic(dataset=dataset, topic_id=0, level="fine", label="grid", size=len(GRID), x=-20.0, y=-30.0),
            Topic(dataset=dataset, topic_id=1, level="fine", label="blob", size=rows - len(GRID), x=-20.0, y=0.0),
        ]
    )
    return dataset


def open_big_map(page: Page, base: str) -> None:
    dataset = create_big_map()
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{base}/maps/{dataset.id}{view_query(CAMERA)}")
    page.wait_for_selector("body[data-map-ready='1']", timeout=60_000)


def camera_of(page: Page) -> tuple[float, float, float]:
    x, y, zoom = (float(n) for n in page.evaluate("new URLSearchParams(location.search).get('v')").split(","))
    return x, y, zoom


def next_frames(page: Page) -> None:
    """Waits two animation frames, so the last camera move is on screen."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def lone_point_colours(page: Page, camera: tuple[float, float, float]) -> list[np.ndarray | None]:
    """For each grid point: the colour of the dot within 3 px of where it sits under that camera (None: no dot)."""
    image = pixels(page)
    background = np.median(image.reshape(-1, 3), axis=0)
    out: list[np.ndarray | None] = []
    for x, y in GRID:
        window = window_at(page, image, x, y, camera)
        away = np.linalg.norm(window - background, axis=1)
        out.append(window[away.argmax()] if away.max() > 40 else None)
    return out


def lone_points_seen(page: Page, camera: tuple[float, float, float]) -> list[bool]:
    return [c is not None for c in lone_point_colours(page, camera)]


def drag_and_hold(page: Page, start: tuple[float, float], dx: float) -> tuple[float, float, float]:
    """Presses the button at page pixels `start`, drags `dx` pixels right and keeps the button down; the new camera."""
    before = camera_of(page)
    page.mouse.move(*start)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(start[0] + dx * step / 10, start[1])
    # The URL follows the camera once it has rested 250 ms (the button is still down).
    moved = f"v && +v.split(',')[0] < {before[0] - 1}"
    page.wait_for_function(f"() => {{ const v = new URLSearchParams(location.search).get('v'); return {moved}; }}")
    next_frames(page)
    return camera_of(page)


def window_at(page: Page, image: np.ndarray, x: float, y: float, camera: tuple[float, float, float]) -> np.ndarray:
    """The 7×7 pixels around map coordinates (x, y) under that camera, one row per pixel."""
    box = page.locator("#map").bounding_box()
    assert box is not None
    sx, sy = screen_at(page, x, y, camera)
    px, py = round(sx - box["x"]), round(sy - box["y"])
    return image[py - 3 : py + 4, px - 3 : px + 4].reshape(-1, 3)


def test_a_map_over_the_budget_draws_a_uniform_sample_while_dragged_and_every_point_once_it_rests(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    open_big_map(page, str(live_server.url))  # type: ignore[attr-defined]
    root = page.locator("#map-root")
    expect(root).to_have_attribute("data-moving-budget", str(BUDGET))
    expect(root).to_have_attribute("data-drawn-points", str(ROWS))
    next_frames(page)
    assert all(lone_points_seen(page, CAMERA))

    moved = drag_and_hold(page, screen_at(page, 0.0, 25.0, CAMERA), 80)
    # Mid-drag: the layer draws the budget's worth of points, a uniform sample: about two in three lone points.
    expect(root).to_have_attribute("data-drawn-points", str(BUDGET))
    seen = lone_points_seen(page, moved)
    share = sum(seen) / len(seen)
    assert abs(share - BUDGET / ROWS) < 0.12, share
    # The blob keeps its shape: its centre is still painted.
    image = pixels(page)
    centre = window_at(page, image, -20.0, 0.0, moved)
    assert np.linalg.norm(centre - np.median(image.reshape(-1, 3), axis=0), axis=1).min() > 40

    # Released, the camera rests: every point is drawn again, and one the sample left out answers a hover.
    page.mouse.up()
    expect(root).to_have_attribute("data-drawn-points", str(ROWS), timeout=30_000)
    next_frames(page)
    assert all(lone_points_seen(page, moved))
    missing = seen.index(False)
    page.mouse.move(*screen_at(page, *GRID[missing], moved))
    expect(page.locator("#tooltip")).to_have_text(f"lone point {missing}")
    assert console_errors == []


def test_colouring_a_shuffled_map_by_a_column_paints_each_point_by_its_own_value(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    open_big_map(page, str(live_server.url))  # type: ignore[attr-defined]
    named = {"blue": (31, 119, 180), "orange": (255, 127, 14)}
    next_frames(page)
    before = lone_point_colours(page, CAMERA)
    assert all(c is not None and nearest(c, named) == "blue" for c in before)
    page.select_option("#color-by", "kind")
    expect(page.locator("#map-root")).to_have_attribute("data-color-by", "kind")
    next_frames(page)
    # The column's values arrive in row order and follow the points into their shuffled order.
    after = lone_point_colours(page, CAMERA)
    assert all(c is not None and nearest(c, named) == "orange" for c in after)
    assert console_errors == []


def test_a_topic_label_click_draws_the_sample_during_its_flight_and_every_point_after(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    open_big_map(page, str(live_server.url))  # type: ignore[attr-defined]
    root = page.locator("#map-root")
    expect(root).to_have_attribute("data-drawn-points", str(ROWS))
    # Every value data-drawn-points takes, in order.
    page.evaluate(
        "() => { const root = document.getElementById('map-root'); window.drawnHistory = [];"
        " new MutationObserver(() => window.drawnHistory.push(root.dataset.drawnPoints))"
        ".observe(root, { attributes: true, attributeFilter: ['data-drawn-points'] }); }"
    )
    # The explorer's zoom into a topic flies the camera (a 600 ms transition).
    page.evaluate("() => document.querySelector('#topic-tree li[data-topic-id=\"1\"] button').click()")
    page.wait_for_function(f"() => window.drawnHistory.at(-1) === '{ROWS}' && window.drawnHistory.includes('{BUDGET}')")
    assert console_errors == []


def test_a_map_within_the_budget_draws_every_point_while_dragged(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    open_map(page, str(live_server.url), synthetic, view_query((2.0, -5.0, 3.0)))  # type: ignore[attr-defined]
    root = page.locator("#map-root")
    expect(root).to_have_attribute("data-drawn-points", str(synthetic.rows))
    drag_and_hold(page, screen_at(page, 0.0, 0.0, (2.0, -5.0, 3.0)), 80)
    expect(root).to_have_attribute("data-drawn-points", str(synthetic.rows))
    page.mouse.up()
    assert console_errors == []
