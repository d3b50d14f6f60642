"""Copies of a text as people make them, planted to measure near-duplicate finding (tests and make bench)."""

import numpy as np


def edited(text: str, rng: np.random.Generator) -> str:
    """A copy as people make them: another case, a word dropped or repeated, punctuation added."""
    words = text.split()
    change = rng.choice(["case", "drop", "repeat", "punct"])
    if change == "case":
        return text.upper() if rng.random() < 0.5 else text.lower()
    if change == "drop" and len(words) > 4:
        del words[int(rng.integers(len(words)))]
    elif change == "repeat":
        i = int(rng.integers(len(words)))
        words.insert(i, words[i])
    else:
        words[-1] += "!"
    return " ".join(words)
