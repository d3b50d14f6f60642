"""The notebook picture of a map: a PNG that image readers decode, each point in its topic's colour where its
coordinates put it, and topic labels placed over it as escaped text."""

import base64
import io
import re

import numpy as np
from atlas_client.picture import BACKGROUND, HEIGHT, WIDTH, frame, labelled_picture, pixels, png, topic_colour
from PIL import Image


def test_the_png_decodes_to_the_image_it_was_written_from() -> None:
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(HEIGHT, WIDTH, 3), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(png(image))).convert("RGB"))
    assert np.array_equal(decoded, image)


def test_points_are_drawn_in_their_topics_colours_at_their_places_with_y_up() -> None:
    x = np.array([0.0, 10.0, 5.0], dtype=np.float32)
    y = np.array([0.0, 5.0, 2.5], dtype=np.float32)
    image = pixels(x, y, np.array([0, 1, 25], dtype=np.int16))
    minx, miny, scale, offx, offy = frame(x, y)
    for px, py, topic in ((0.0, 0.0, 0), (10.0, 5.0, 1), (5.0, 2.5, 25)):
        col = min(int(offx + (px - minx) * scale), WIDTH - 2)
        row = min(int(HEIGHT - offy - (py - miny) * scale), HEIGHT - 2)
        assert tuple(image[row, col]) == topic_colour(topic)
    # The lowest point is drawn near the bottom edge, the highest near the top: y points up as on the map.
    assert tuple(image[HEIGHT - 20, WIDTH // 2]) == BACKGROUND
    assert (image != np.array(BACKGROUND, dtype=np.uint8)).any(axis=2).sum() == 3 * 4


def test_topic_colours_follow_the_map_pages_palette() -> None:
    assert topic_colour(0) == (31, 119, 180) and topic_colour(19) == (158, 218, 229)
    beyond = {topic_colour(t) for t in range(20, 60)}
    assert len(beyond) == 40


def test_labels_are_placed_over_the_picture_as_text_never_markup() -> None:
    x, y = np.array([0.0, 4.0]), np.array([0.0, 2.0])
    shown = labelled_picture(x, y, np.array([0, 1]), [{"label": "<script>x</script>", "x": 2.0, "y": 1.0}], 'a "map"')
    assert "<script>" not in shown and "&lt;script&gt;x&lt;/script&gt;" in shown
    assert 'alt="a &quot;map&quot;"' in shown
    left, top = (int(v) for v in re.search(r"left:(\d+)px;top:(\d+)px", shown).groups())  # type: ignore[union-attr]
    assert (left, top) == (WIDTH // 2, HEIGHT // 2)
    encoded = re.search(r'src="data:image/png;base64,([^"]+)"', shown).group(1)  # type: ignore[union-attr]
    assert Image.open(io.BytesIO(base64.b64decode(encoded))).size == (WIDTH, HEIGHT)


def test_an_empty_map_is_a_blank_picture() -> None:
    empty = np.array([], dtype=np.float32)
    assert (pixels(empty, empty, np.array([], dtype=np.int16)) == np.array(BACKGROUND, dtype=np.uint8)).all()
    assert "<span" not in labelled_picture(empty, empty, np.array([]), [{"label": "x", "x": 0, "y": 0}], "empty")
