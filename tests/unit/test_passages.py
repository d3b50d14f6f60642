"""Cutting long texts into passages: windows of at most `size` tokens, overlapping by `overlap`, covering every
token, as character spans of the text; and each passage fits what the model reads whole."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embedding import get_encoder
from embedding.encoder import split_passages


def token_spans(lengths: list[int]) -> list[tuple[int, int]]:
    """Tokens of the given lengths separated by one space."""
    spans, at = [], 0
    for length in lengths:
        spans.append((at, at + length))
        at += length + 1
    return spans


@given(
    lengths=st.lists(st.integers(1, 6), max_size=300),
    size=st.integers(1, 40),
    overlap=st.integers(-3, 50),
)
def test_passages_cover_every_token_in_windows_of_at_most_size_overlapping_by_overlap(
    lengths: list[int], size: int, overlap: int
) -> None:
    spans = token_spans(lengths)
    length = spans[-1][1] if spans else 0
    found = split_passages(spans, length, size, overlap)
    if len(spans) <= size:
        assert found == [(0, length)]
        return
    starts = {start: i for i, (start, _) in enumerate(spans)}
    ends = {end: i for i, (_, end) in enumerate(spans)}
    windows = [(starts[a], ends[b]) for a, b in found]
    assert windows[0][0] == 0 and windows[-1][1] == len(spans) - 1
    assert all(last - first + 1 <= size for first, last in windows)
    expected = min(max(overlap, 0), size - 1)
    for (_, last), (first, _) in zip(windows, windows[1:], strict=False):
        assert last - first + 1 == expected  # the tokens both windows hold


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_each_passage_of_a_long_text_fits_the_model_and_they_read_back_as_the_text(backend: str) -> None:
    encoder = get_encoder("all-MiniLM-L6-v2", 1, backend)
    text = " ".join(f"sentence {i} says something about parsing dates and times." for i in range(120))
    [spans] = encoder.passages([text], 1000, 16)
    assert len(spans) > 3
    pieces = [text[a:b] for a, b in spans]
    assert all(len(tokens) + encoder.special_tokens() <= encoder.max_tokens for tokens in encoder.token_offsets(pieces))
    assert pieces[0].startswith("sentence 0 ") and pieces[-1].endswith("times.")
    # Consecutive passages overlap: each starts before the previous one ends.
    assert all(b2 > a2 and a2 < b1 for (_, b1), (a2, b2) in zip(spans, spans[1:], strict=False))
    assert encoder.passages(["a short text"], 256, 32) == [[(0, 12)]]
