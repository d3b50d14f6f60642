"""How Atlas reads a text into words: what topic keywords (workers/stages/label.py) and explaining a selection
(maps/explain.py) count, so both speak of the same words.

Lower-case words of two characters or more and two-word phrases. An apostrophe inside a word keeps it whole, so
"don't" is one word (a stop word) instead of the debris "don"; a possessive "'s" is dropped, so "python's" counts
as "python". English stop words, contractions with or without their apostrophe, and a few words that say nothing
about a topic ("things", "stuff") are left out.
"""

import re
from typing import Any

# Contractions as written, and as typed without the apostrophe (only where that is no word of its own: not
# "well", "shell", "id"), and words that name no topic.
CONTRACTIONS = [
    "ain't", "aren't", "can't", "couldn't", "didn't", "doesn't", "don't", "hadn't", "hasn't", "haven't", "he'd",
    "he'll", "he's", "i'd", "i'll", "i'm", "i've", "isn't", "it'd", "it'll", "it's", "let's", "shan't", "she'd",
    "she'll", "she's", "shouldn't", "that's", "there's", "they'd", "they'll", "they're", "they've", "wasn't",
    "we'd", "we'll", "we're", "we've", "weren't", "what's", "where's", "who's", "won't", "wouldn't", "you'd",
    "you'll", "you're", "you've",
]  # fmt: skip
UNAPOSTROPHED = [
    "aint", "arent", "cant", "couldnt", "didnt", "doesnt", "dont", "hadnt", "hasnt", "havent", "im", "isnt", "ive",
    "shouldnt", "thats", "theres", "theyre", "theyve", "wasnt", "werent", "whats", "wont", "wouldnt", "youd",
    "youll", "youre", "youve",
]  # fmt: skip
GENERIC = [
    "thing", "things", "stuff", "lot", "lots", "really", "just", "like", "let", "got", "gets", "getting", "way", "ways",
]  # fmt: skip
STOP_WORDS = frozenset(CONTRACTIONS) | frozenset(UNAPOSTROPHED) | frozenset(GENERIC)
# Words of two characters or more; an apostrophe between letters stays inside the word.
WORD_PATTERN = r"(?u)\b\w[\w']*\w\b"
_APOSTROPHES = re.compile("[\u2019\u2018\u02bc`]")
_POSSESSIVE = re.compile(r"'s\b")


def normalise(text: str) -> str:
    """A text as the keyword counts read it: lower case, one kind of apostrophe, no possessive "'s"."""
    return _POSSESSIVE.sub("", _APOSTROPHES.sub("'", text.lower()))


def stop_words() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(ENGLISH_STOP_WORDS | STOP_WORDS)


def term_counter(**options: Any) -> Any:
    """A scikit-learn CountVectorizer that reads texts as above; `options` add to (or replace) its settings, e.g.
    min_df, max_features or a fixed vocabulary."""
    from sklearn.feature_extraction.text import CountVectorizer

    settings: dict[str, Any] = {
        "stop_words": stop_words(),
        "token_pattern": WORD_PATTERN,
        "preprocessor": normalise,
        "ngram_range": (1, 2),
    }
    return CountVectorizer(**{**settings, **options})
