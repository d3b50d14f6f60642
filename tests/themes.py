"""A small table of short texts on three clearly separate themes, with the theme as a label column."""

import csv
import itertools
import random
from pathlib import Path

THEMES = {
    "cooking": (
        ["Slow-roasted", "Crispy", "Creamy", "Spicy", "Homemade", "Buttery", "Garlic", "Lemon"],
        [
            "chicken with rosemary",
            "tomato soup",
            "pasta with basil pesto",
            "chocolate cake",
            "bread dough",
            "mushroom risotto",
        ],
        [
            "baked in the oven for an hour",
            "simmered on the stove",
            "served with fresh herbs",
            "seasoned with salt and pepper",
            "whisked until smooth",
        ],
    ),
    "football": (
        [
            "The striker",
            "The goalkeeper",
            "The home team",
            "The midfielder",
            "The coach",
            "The defender",
            "The captain",
            "The referee",
        ],
        [
            "scored a late goal",
            "saved a penalty kick",
            "won the league match",
            "was sent off with a red card",
            "celebrated the championship",
            "trained before the cup final",
        ],
        [
            "in front of the stadium crowd",
            "after extra time",
            "in the second half",
            "against their rivals",
            "during the derby",
        ],
    ),
    "astronomy": (
        [
            "A distant galaxy",
            "The telescope",
            "A neutron star",
            "The comet",
            "A black hole",
            "The space probe",
            "Jupiter's moon",
            "A supernova",
        ],
        [
            "emits strong radio waves",
            "orbits beyond the planets",
            "was observed by astronomers",
            "bends light from background stars",
            "reveals clouds of interstellar gas",
            "glows in infrared light",
        ],
        [
            "millions of light years away",
            "in the night sky",
            "near the edge of the solar system",
            "according to the observatory",
            "in the Milky Way",
        ],
    ),
}


def write_themes_csv(out: Path, per_theme: int = 80) -> Path:
    """per_theme rows of each theme (different sentences), shuffled so row order says nothing about theme."""
    rows: list[list[str]] = []
    for theme, (subjects, middles, ends) in THEMES.items():
        sentences = [f"{s} {m} {e}." for s, m, e in itertools.product(subjects, middles, ends)]
        step = max(1, len(sentences) // per_theme)
        rows.extend([sentence, theme] for sentence in sentences[::step][:per_theme])
    random.Random(0).shuffle(rows)  # noqa: S311  # a fixed order for a test, not a secret
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "theme"])
        writer.writerows(rows)
    return out
