"""Box and lasso selection on a map with known places: what a drag holds, the summary, the dimming, clearing;
then what a selection feeds: tags everyone sees, and CSV / Parquet exports of exactly the lit rows."""

import csv
import io
import math
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pyarrow.parquet as pq
import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from maps.models import Point
from teams import actions as team_actions
from teams.models import Membership, Role
from tests.accounts import create_user, default_user
from tests.browser.conftest import ConsoleErrors, log_in
from tests.browser.mapview import CAMERA, mean_colour_at, nearest, open_map, pixels, screen_at, view_query
from tests.synthetic_map import FINE, create_synthetic_map

pytestmark = pytest.mark.django_db(transaction=True)


def drag(page: Page, corners: list[tuple[float, float]]) -> None:
    """Press at the first map coordinate, move through the rest, release at the last."""
    first, *rest = [screen_at(page, x, y) for x, y in corners]
    page.mouse.move(*first)
    page.mouse.down()
    for point in rest:
        page.mouse.move(*point, steps=4)
    page.mouse.up()


def test_a_box_drag_selects_exactly_the_points_inside_it_and_dims_the_rest(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    page.keyboard.press("b")
    expect(page.locator("#select-modes button[data-mode='box']")).to_have_attribute("aria-pressed", "true")
    # Topic 0's 40 points sit within ±1 unit of (-40, 20); nothing else is near.
    drag(page, [(-43, 23), (-37, 17)])
    expect(page.locator("#selection-count")).to_have_text("40 points selected")
    # At 1280×720 the summary and the tag form show without scrolling the side panel.
    expect(page.locator("#selection-count")).to_be_in_viewport()
    expect(page.locator("#tag-form")).to_be_in_viewport()
    expect(page.locator("#map-root")).to_have_attribute("data-selection-count", "40")
    topics = page.locator("#selection-topics li").evaluate_all(
        "items => items.map(li => [li.textContent, li.dataset.count])"
    )
    assert topics == [["http clients and servers40", "40"]]
    expect(page.locator("#filter-count")).to_have_text("40 of 240 points")

    # The camera did not move (the drag drew instead of panning), the selection stays lit, the rest dims.
    page.wait_for_timeout(300)
    image = pixels(page)
    background = (255, 255, 255)
    assert nearest(mean_colour_at(page, image, *FINE[0][0], CAMERA), {"lit": (31, 119, 180), "bg": background}) == "lit"
    # Topic colours (the palette's first entries): dimmed, each is far nearer the background than itself.
    for topic, full in ((1, (255, 127, 14)), (2, (44, 160, 44)), (4, (148, 103, 189))):
        colour = mean_colour_at(page, image, *FINE[topic][0], CAMERA)
        assert nearest(colour, {"lit": full, "bg": background}) == "bg", topic

    page.click("#selection-clear")
    expect(page.locator("#selection")).to_be_hidden()
    expect(page.locator("#filter-count")).to_have_text("240 of 240 points")
    assert console_errors == []


def test_a_lasso_follows_the_drawn_outline_and_escape_clears_the_selection(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    page.click("#select-modes button[data-mode='lasso']")
    # A circle of radius 4 around topics 2 and 3 (their 80 points), drawn as 24 corners.
    cx, cy = 20.5, 17.5
    ring = [(cx + 4 * math.cos(a * math.pi / 12), cy + 4 * math.sin(a * math.pi / 12)) for a in range(25)]
    drag(page, ring)
    expect(page.locator("#selection-count")).to_have_text("80 points selected")
    ids = page.locator("#selection-topics li").evaluate_all("items => items.map(li => li.dataset.topicId)")
    assert sorted(ids) == ["2", "3"]

    # A lasso that is a thin wedge between clusters holds nothing and leaves no selection behind.
    page.keyboard.press("Escape")
    expect(page.locator("#selection")).to_be_hidden()
    expect(page.locator("#select-modes button[data-mode='lasso']")).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("l")
    drag(page, [(0, 0), (5, 0), (5, 5), (0, 5)])
    expect(page.locator("#selection")).to_be_hidden()
    # Back to panning: a drag moves the camera instead of selecting.
    page.keyboard.press("l")
    drag(page, [(0, 0), (10, 0)])
    page.wait_for_function("!new URLSearchParams(location.search).get('v').startsWith('2.0000')")
    expect(page.locator("#selection")).to_be_hidden()
    assert console_errors == []


TAG_COLOUR = (228, 87, 46)


def test_tagging_a_selection_stores_the_tag_for_every_visitor_and_colouring_by_it_shows_only_its_rows(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    # A team map: a colleague (an editor of the team) opens it too.
    team = team_actions.create_workspace(default_user(), "Review team")
    colleague = create_user("colleague@example.org")
    Membership.objects.create(workspace=team, user=colleague, role=Role.EDITOR)
    synthetic = create_synthetic_map(workspace=team)
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    page.keyboard.press("b")
    drag(page, [(-43, 23), (-37, 17)])
    expect(page.locator("#selection-count")).to_have_text("40 points selected")
    # Tag names are user text: markup in one stays text.
    page.fill("#tag-name", "<b>review</b>")
    page.click("#tag-form button[type=submit]")
    expect(page.locator("#tag-message")).to_have_text("Tagged 40 rows.")
    tag = page.locator("#tag-list li")
    expect(tag).to_have_count(1)
    expect(tag.locator(".tag-show")).to_have_text("<b>review</b>")
    assert tag.locator("b").count() == 0
    expect(tag).to_have_attribute("data-count", "40")

    page.keyboard.press("Escape")
    expect(page.locator("#selection")).to_be_hidden()
    tag.locator(".tag-show").click()
    expect(page.locator("#color-by")).to_have_value("\u0000tags")
    page.wait_for_function("new URLSearchParams(location.search).get('ct') === '1'")
    expect(page.locator("#filter-count")).to_have_text("40 of 240 points")
    legend = page.locator("#legend li").evaluate_all("items => items.map(li => [li.textContent, li.className])")
    assert legend == [["<b>review</b>40", ""], ["(untagged)200", "off"]]
    # The hidden "(untagged)" entry is hx=empty in the link.
    page.wait_for_function("new URLSearchParams(location.search).get('hx') === 'empty'")
    page.wait_for_timeout(300)
    image = pixels(page)
    named = {"tag": TAG_COLOUR, "bg": (255, 255, 255)}
    assert nearest(mean_colour_at(page, image, *FINE[0][0], CAMERA), named) == "tag"
    assert nearest(mean_colour_at(page, image, *FINE[4][0], CAMERA), named) == "bg"

    # Someone else opening the copied link sees the tag, coloured and filtered the same way.
    browser = page.context.browser
    assert browser is not None
    colleagues = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    log_in(colleagues, str(live_server.url), colleague)  # type: ignore[attr-defined]
    other = colleagues.new_page()
    open_map(other, str(live_server.url), synthetic, "?" + page.url.split("?", 1)[1])  # type: ignore[attr-defined]
    expect(other.locator("#tag-list li .tag-show")).to_have_text("<b>review</b>")
    expect(other.locator("#filter-count")).to_have_text("40 of 240 points")
    other.locator("#tag-list li .tag-delete").click()
    expect(other.locator("#tag-list li")).to_have_count(0)
    colleagues.close()
    assert console_errors == []


def test_a_drag_selects_only_the_points_the_filters_show(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    # Stars 100..299 keep topics 1 and 2; python hidden in the legend leaves topic 2 alone (40 rows).
    query = view_query() + "&f=stars:100:299&c=lang&h=python"
    open_map(page, str(live_server.url), synthetic, query)  # type: ignore[attr-defined]
    expect(page.locator("#filter-count")).to_have_text("40 of 240 points")
    page.keyboard.press("b")
    # Topics 0 and 1 (python, dimmed): nothing shown inside, so nothing is selected.
    drag(page, [(-43, 23), (-37, -23)])
    expect(page.locator("#selection")).to_be_hidden()
    # Topics 2 and 3: only topic 2 passes the stars range.
    drag(page, [(17, 21), (24, 14)])
    expect(page.locator("#selection-count")).to_have_text("40 points selected")
    ids = page.locator("#selection-topics li").evaluate_all("items => items.map(li => li.dataset.topicId)")
    assert ids == ["2"]
    # Tagging tags exactly those rows.
    page.fill("#tag-name", "shown only")
    page.click("#tag-form button[type=submit]")
    expect(page.locator("#tag-message")).to_have_text("Tagged 40 rows.")
    assert console_errors == []


SEVERAL_COLOUR = (80, 80, 88)
SECOND_COLOUR = (32, 96, 192)
UNTAGGED = (205, 205, 205)


def tag_selection(page: Page, name: str, colour: str, rows: int) -> None:
    page.fill("#tag-name", name)
    page.fill("#tag-colour", colour)
    page.click("#tag-form button[type=submit]")
    expect(page.locator("#tag-message")).to_have_text(f"Tagged {rows} rows.")


def test_a_row_with_several_tags_counts_under_each_tag_and_is_drawn_in_the_several_tags_colour(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    page.keyboard.press("b")
    drag(page, [(-43, 23), (-37, 17)])
    expect(page.locator("#selection-count")).to_have_text("40 points selected")
    tag_selection(page, "first", "#e4572e", 40)
    # Topics 0 and 1: topic 0's rows now carry both tags.
    drag(page, [(-43, 23), (-37, -23)])
    expect(page.locator("#selection-count")).to_have_text("80 points selected")
    # The last "Tagged 40 rows." was about the previous selection.
    expect(page.locator("#tag-message")).to_be_hidden()
    tag_selection(page, "second", "#2060c0", 80)
    page.keyboard.press("Escape")
    expect(page.locator("#selection")).to_be_hidden()

    page.select_option("#color-by", label="Tags")
    expect(page.locator("#legend li")).to_have_count(4)
    legend = page.locator("#legend li").evaluate_all("items => items.map(li => [li.textContent, li.className])")
    # Every tag counts all of its rows; the several-tags entry says how many rows have more than one.
    assert legend == [["first40", ""], ["second80", ""], ["several tags40", ""], ["(untagged)160", ""]]
    expect(page.locator("#legend .legend-note")).to_contain_text("counts under each of them")
    expect(page.locator("#filter-count")).to_have_text("240 of 240 points")
    page.wait_for_timeout(300)
    image = pixels(page)
    named = {"several": SEVERAL_COLOUR, "first": TAG_COLOUR, "second": SECOND_COLOUR, "untagged": UNTAGGED}
    assert nearest(mean_colour_at(page, image, *FINE[0][0], CAMERA), named) == "several"
    assert nearest(mean_colour_at(page, image, *FINE[1][0], CAMERA), named) == "second"
    assert nearest(mean_colour_at(page, image, *FINE[4][0], CAMERA), named) == "untagged"

    # Showing one tag lights every row that carries it, those with other tags as well.
    page.locator("#tag-list li .tag-show", has_text="first").click()
    expect(page.locator("#filter-count")).to_have_text("40 of 240 points")
    page.locator("#tag-list li .tag-show", has_text="second").click()
    expect(page.locator("#filter-count")).to_have_text("80 of 240 points")
    page.wait_for_timeout(300)
    image = pixels(page)
    assert nearest(mean_colour_at(page, image, *FINE[0][0], CAMERA), {**named, "bg": (255, 255, 255)}) == "several"
    # Hiding the several-tags entry leaves the rows with one tag.
    page.locator("#legend li", has_text="several tags").click()
    expect(page.locator("#filter-count")).to_have_text("40 of 240 points")
    # The link names that entry readably (hx=several, not a NUL-prefixed key), and reopens the same view.
    page.wait_for_function("new URLSearchParams(location.search).getAll('hx').includes('several')")
    assert "%00" not in page.url
    assert sorted(parse_qs(urlparse(page.url).query)["hx"]) == ["empty", "several"]
    again = page.context.new_page()
    open_map(again, str(live_server.url), synthetic, "?" + page.url.split("?", 1)[1])  # type: ignore[attr-defined]
    expect(again.locator("#filter-count")).to_have_text("40 of 240 points")
    again.close()
    assert console_errors == []


def test_colouring_by_tag_is_its_own_link_parameter_and_never_a_column_called_tags(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    # The file has a column called "tags" too.
    dataset = synthetic.dataset
    dataset.columns = [*dataset.columns, "tags"]
    dataset.save(update_fields=["columns"])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE maps_point SET fields = fields || jsonb_build_object('tags', "
            "CASE WHEN row_id < 120 THEN 'alpha' ELSE 'beta' END) WHERE dataset_id = %s",
            [dataset.id],
        )
    base = str(live_server.url)  # type: ignore[attr-defined]
    open_map(page, base, synthetic, view_query() + "&c=tags")
    expect(page.locator("#color-by")).to_have_value("tags")
    expect(page.locator("#legend li[data-key='alpha']")).to_have_attribute("data-count", "120")

    page.select_option("#color-by", label="Tags")
    page.wait_for_function("new URLSearchParams(location.search).get('ct') === '1'")
    query = parse_qs(urlparse(page.url).query)
    assert "c" not in query and query["ct"] == ["1"]
    expect(page.locator("#legend li")).to_have_count(1)
    expect(page.locator("#legend li")).to_have_text("(untagged)240")

    # The link reopens coloured by tag; choosing the column again is c=tags.
    other = page.context.new_page()
    open_map(other, base, synthetic, "?" + page.url.split("?", 1)[1])
    expect(other.locator("#color-by")).to_have_value("\u0000tags")
    other.select_option("#color-by", "tags")
    other.wait_for_function("new URLSearchParams(location.search).get('c') === 'tags'")
    assert "ct" not in parse_qs(urlparse(other.url).query)
    other.close()

    # A link from before ct= (c=%00tags) still colours by tag, and is rewritten to the new form.
    old = page.context.new_page()
    open_map(old, base, synthetic, view_query() + "&c=%00tags")
    expect(old.locator("#color-by")).to_have_value("\u0000tags")
    old.wait_for_function("new URLSearchParams(location.search).get('ct') === '1'")
    assert "c" not in parse_qs(urlparse(old.url).query)
    old.close()
    assert console_errors == []


def test_exporting_downloads_exactly_the_lit_rows_as_csv_and_parquet(
    page: Page, live_server: object, console_errors: ConsoleErrors, tmp_path: Path
) -> None:
    synthetic = create_synthetic_map()
    Point.objects.filter(dataset=synthetic.dataset, row_id=80).update(
        fields=dict(synthetic.fields[80], summary="@cli: command line parsing")
    )
    open_map(page, str(live_server.url), synthetic, view_query())  # type: ignore[attr-defined]
    expect(page.locator("#export-count")).to_have_text("Export 240 points:")
    page.keyboard.press("b")
    drag(page, [(17, 21), (24, 14)])
    expect(page.locator("#export-count")).to_have_text("Export 80 points:")
    # The box holds topics 2 and 3 (rows 80..159), all rust: hiding rust leaves nothing to export.
    page.select_option("#color-by", "lang")
    page.click("#legend li[data-key='rust']")
    expect(page.locator("#export-count")).to_have_text("Export 0 points:")
    page.click("#legend li[data-key='rust']")
    expect(page.locator("#export-count")).to_have_text("Export 80 points:")

    with page.expect_download() as download:
        page.click("#export button[data-format='csv'][data-spreadsheet='false']")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "synthetic-80-rows.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [int(r["row_id"]) for r in rows] == list(range(80, 160))
    assert rows[0]["summary"] == "@cli: command line parsing" and rows[0]["lang"] == "rust"
    assert rows[0]["topic_fine_label"] == "command line parsing tools" and rows[0]["tags"] == ""
    expect(page.locator("#export-message")).to_have_text("Downloaded synthetic-80-rows.csv: every value as stored.")

    # For a spreadsheet, the one cell that would run as a formula is shown as text, and the page says so.
    with page.expect_download() as download:
        page.click("#export button[data-format='csv'][data-spreadsheet='true']")
    path = tmp_path / "for-spreadsheets.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0]["summary"] == "'@cli: command line parsing"
    expect(page.locator("#export-message")).to_contain_text("1 cell starting with = + - or @ got a leading '")

    with page.expect_download() as download:
        page.click("#export button[data-format='parquet']")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    table = pq.read_table(path)
    assert table.column("row_id").to_pylist() == list(range(80, 160))
    assert table.column("stars").to_pylist() == [synthetic.fields[r]["stars"] for r in range(80, 160)]
    assert console_errors == []


def test_hiding_what_filters_leave_out_hides_the_points_outside_a_selection_and_they_cannot_be_hovered(
    page: Page, live_server: object, console_errors: ConsoleErrors
) -> None:
    synthetic = create_synthetic_map()
    # fh=1: filtered-out points vanish rather than dim.
    open_map(page, str(live_server.url), synthetic, view_query() + "&fh=1")  # type: ignore[attr-defined]
    page.keyboard.press("b")
    drag(page, [(-43, 23), (-37, 17)])
    expect(page.locator("#selection-count")).to_have_text("40 points selected")
    expect(page.locator("#filter-count")).to_have_text("40 of 240 points")
    page.wait_for_timeout(300)
    image = pixels(page)
    lit = nearest(mean_colour_at(page, image, *FINE[0][0], CAMERA), {"lit": (31, 119, 180), "bg": (255, 255, 255)})
    assert lit == "lit"
    # Every other cluster is gone: not a faint dot left where it was.
    for topic in (1, 2, 4, 5):
        assert mean_colour_at(page, image, *FINE[topic][0], CAMERA).min() > 253, topic

    # A hidden point is not there to hover or click; a selected one is.
    page.keyboard.press("b")
    (x1, y1), _, _ = FINE[1]
    page.mouse.move(*screen_at(page, x1 - 0.9, y1 - 0.9))
    page.wait_for_timeout(400)
    expect(page.locator("#tooltip")).to_be_hidden()
    (x0, y0), _, _ = FINE[0]
    page.mouse.move(*screen_at(page, x0 - 0.9, y0 - 0.9))
    expect(page.locator("#tooltip")).to_be_visible()
    expect(page.locator("#tooltip")).to_contain_text("http clients and servers #")

    # Back to dimming: the rest of the map shows again, faintly, and can be hovered.
    page.click("#filters summary")
    page.uncheck("#filter-hide")
    page.wait_for_timeout(300)
    image = pixels(page)
    assert mean_colour_at(page, image, *FINE[1][0], CAMERA).min() < 253
    assert console_errors == []
