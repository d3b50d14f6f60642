"""The explorer at 1280×720 on a map with known places: colour by a column, topic labels and filter, themes, keys."""

import math
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import ConsoleErrors
from tests.browser.mapview import (
    CAMERA,
    GO,
    PYTHON,
    RUST,
    mean_colour_at,
    nearest,
    open_map,
    pixels,
    screen_at,
    view_query,
)
from tests.synthetic_map import FINE, create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)


def test_colouring_by_a_category_shows_a_legend_with_counts_paints_points_and_toggles_categories(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    view = "?v=" + ",".join(str(n) for n in CAMERA)
    open_map(page, str(live_server.url), synthetic, view)  # type: ignore[attr-defined]
    # A text column (a value per row) is listed but cannot be chosen.
    assert page.locator("#color-by option[value='summary']").is_disabled()

    page.select_option("#color-by", "lang")
    legend = page.locator("#legend li")
    expect(legend).to_have_count(3)
    entries = legend.evaluate_all("items => items.map(li => [li.dataset.key, li.dataset.count])")
    assert entries == [["go", "80"], ["python", "80"], ["rust", "80"]]
    page.wait_for_function("location.search.includes('c=lang')")
    page.wait_for_timeout(300)
    image = pixels(page)
    colours = {"go": GO, "python": PYTHON, "rust": RUST, "background": (255, 255, 255)}
    for topic, ((x, y), lang, _) in FINE.items():
        assert nearest(mean_colour_at(page, image, x, y, CAMERA), colours) == lang, topic

    # Hiding python dims its points to near background and updates the count.
    page.click("#legend li[data-key='python']")
    expect(page.locator("#legend li[data-key='python']")).to_have_class("off")
    expect(page.locator("#filter-count")).to_have_text("160 of 240 points")
    page.wait_for_timeout(300)
    image = pixels(page)
    assert nearest(mean_colour_at(page, image, -40, 20, CAMERA), colours) == "background"
    assert nearest(mean_colour_at(page, image, 40, -25, CAMERA), colours) == "go"

    # The link reopens coloured by the same column.
    other = page.context.new_page()
    other.goto(page.url)
    other.wait_for_selector("body[data-map-ready='1']", timeout=60_000)
    expect(other.locator("#color-by")).to_have_value("lang")
    expect(other.locator("#legend li")).to_have_count(3)
    other.close()
    assert console_errors == []


def test_colouring_by_a_number_shows_a_ramp_from_its_minimum_to_its_maximum(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    view = "?c=stars&v=" + ",".join(str(n) for n in CAMERA)
    open_map(page, str(live_server.url), synthetic, view)  # type: ignore[attr-defined]
    expect(page.locator("#legend .legend-min")).to_have_text("0")
    expect(page.locator("#legend .legend-max")).to_have_text("539")
    expect(page.locator("#color-by")).to_have_value("stars")
    page.wait_for_function("document.getElementById('map-root').dataset.colorBy === 'stars'")
    page.wait_for_timeout(300)
    image = pixels(page)
    # Topic 0 holds the smallest values (dark purple end), topic 5 the largest (yellow end).
    low = mean_colour_at(page, image, *FINE[0][0], CAMERA)
    high = mean_colour_at(page, image, *FINE[5][0], CAMERA)
    assert nearest(low, {"purple": (68, 1, 84), "yellow": (253, 231, 37)}) == "purple"
    assert nearest(high, {"purple": (68, 1, 84), "yellow": (253, 231, 37)}) == "yellow"
    assert console_errors == []


def camera_of(page: Page) -> tuple[float, float, float]:
    raw = parse_qs(urlparse(page.url).query)["v"][0]
    x, y, zoom = (float(n) for n in raw.split(","))
    return x, y, zoom


def test_topic_labels_change_level_with_zoom_never_collide_and_the_topic_tree_filters_the_map(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    base = str(live_server.url)  # type: ignore[attr-defined]
    open_map(page, base, synthetic)
    root = page.locator("#map-root")
    expect(root).to_have_attribute("data-label-level", "broad")
    expect(root).to_have_attribute("data-labels", "9,10")
    fitted = float(root.get_attribute("data-fitted-zoom") or "nan")
    assert math.isfinite(fitted)

    def labels_at(zoom: float, x: float = 2.0, y: float = -5.0) -> tuple[str | None, set[str]]:
        open_map(page, base, synthetic, f"?v={x},{y},{zoom:.4f}")
        level = root.get_attribute("data-label-level")
        return level, set((root.get_attribute("data-labels") or "").split(","))

    assert labels_at(fitted + 1.5) == ("mid", {"6", "7", "8"})
    # Fine labels 2 and 3 sit 1 × 0.3 units apart: just past the fine threshold they would overlap, so
    # only one is drawn; zoomed in far they separate and both are.
    level, shown = labels_at(fitted + 2.6)
    assert level == "fine" and {"0", "1", "4", "5"} <= shown and len(shown & {"2", "3"}) == 1
    level, shown = labels_at(fitted + 6, 20.5, 17.8)
    assert level == "fine" and {"2", "3"} <= shown

    # The topic tree: broad -> mid -> fine with counts.
    open_map(page, base, synthetic)
    # Dots: 240 points are few, so they are drawn at the largest base size (2.5 px); two zoom steps in make them
    # √2 larger, six steps in 2^1.5 larger.
    assert [
        labels_at(zoom) and root.get_attribute("data-point-radius") for zoom in (fitted, fitted + 2, fitted + 6)
    ] == [
        "2.50",
        "3.54",
        "7.07",
    ]
    open_map(page, base, synthetic)
    tree = page.locator("#topic-tree")
    expect(tree.locator("li")).to_have_count(11)
    expect(tree.locator("li[data-topic-id='9'] > .topic-name")).to_contain_text("160")
    assert tree.locator("li[data-topic-id='9'] li[data-topic-id='7'] li[data-topic-id='3']").count() == 1
    expect(page.locator("#filter-count")).to_have_text("240 of 240 points")

    # Picking "rust crates" keeps its 80 points lit, zooms to them and goes into the URL.
    tree.locator("li[data-topic-id='7'] > .topic-name").click()
    expect(page.locator("#filter-count")).to_have_text("80 of 240 points")
    expect(root).to_have_attribute("data-topic-filter", "7")
    page.wait_for_function("new URLSearchParams(location.search).get('t') === '7'")
    moved = "(() => { const v = new URLSearchParams(location.search).get('v');"
    page.wait_for_function(moved + " return v && Math.abs(+v.split(',')[0] - 20.5) < 1.5; })()")
    x, y, zoom = camera_of(page)
    assert abs(y - 16.7) < 2.5 and zoom > fitted + 2

    page.click("#topic-clear")
    expect(page.locator("#filter-count")).to_have_text("240 of 240 points")
    page.wait_for_function("!new URLSearchParams(location.search).has('t')")
    assert console_errors == []


def test_clicking_a_topic_label_zooms_into_that_topic_without_filtering_the_map(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    root = page.locator("#map-root")
    expect(root).to_have_attribute("data-label-level", "broad")
    # "infrastructure" (broad topic 10) sits at the middle of fine topics 4 and 5: (42.5, -27.5).
    page.mouse.move(*screen_at(page, 42.5, -27.5))
    page.mouse.click(*screen_at(page, 42.5, -27.5))
    moved = "(() => { const v = new URLSearchParams(location.search).get('v');"
    page.wait_for_function(moved + " return v && Math.abs(+v.split(',')[0] - 42.5) < 1.5; })()")
    x, y, zoom = camera_of(page)
    assert abs(y + 27.5) < 1.5 and zoom > CAMERA[2] + 1
    # Zoomed in, the finer labels take over; nothing was filtered and no row was opened.
    expect(root).not_to_have_attribute("data-label-level", "broad")
    expect(page.locator("#filter-count")).to_have_text("240 of 240 points")
    expect(page.locator("#details")).to_be_hidden()
    assert console_errors == []


def test_clicking_a_point_shows_its_details_in_view_at_1280_by_720(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    # Row 40 is topic 1's first point, at its centre less (0.9, 0.9).
    (x, y), _, _ = FINE[1]
    page.mouse.move(*screen_at(page, x - 0.9, y - 0.9))
    expect(page.locator("#tooltip")).to_be_visible()
    page.mouse.click(*screen_at(page, x - 0.9, y - 0.9))
    details = page.locator("#details")
    expect(details).to_be_visible()
    expect(details.locator(".detail-text")).to_contain_text("data frames and arrays #")
    # Without scrolling the side panel: the row's text and its neighbours' heading are on screen.
    expect(details.locator(".detail-text")).to_be_in_viewport()
    expect(details.locator("h2")).to_be_in_viewport()
    assert console_errors == []


def test_while_the_points_load_the_map_says_how_many_are_coming_and_the_note_goes_once_drawn(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    held: list[Route] = []
    # Hold the points payload back until the test has seen the loading note.
    page.route("**/points", lambda route: held.append(route))
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/maps/{synthetic.dataset.id}")  # type: ignore[attr-defined]
    loading = page.locator("#map-loading")
    expect(loading).to_be_visible()
    expect(loading).to_contain_text("Loading 240 points")
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_selector("body[data-map-ready='1']")
    expect(loading).to_be_hidden()
    assert console_errors == []


def test_the_dark_theme_is_remembered_and_keys_focus_and_clear_the_search(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    base = str(live_server.url)  # type: ignore[attr-defined]
    open_map(page, base, synthetic)
    assert pixels(page)[2, 2].tolist() == [255.0, 255.0, 255.0]
    page.click("#theme-toggle")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.wait_for_timeout(200)
    assert pixels(page)[2, 2].max() < 40

    open_map(page, base, synthetic)
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert pixels(page)[2, 2].max() < 40
    expect(page.locator("#theme-toggle")).to_have_text("Light theme")

    page.locator("#map").click(position={"x": 5, "y": 5})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-input"
    page.keyboard.type("clients")
    page.keyboard.press("Escape")
    expect(page.locator("#search-input")).to_have_value("")
    assert page.evaluate("document.activeElement.id") != "search-input"
    assert console_errors == []
