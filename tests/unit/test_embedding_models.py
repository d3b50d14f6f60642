"""The model registry on tiny local models: task prefixes, Matryoshka shortening, long texts, bad names."""

from pathlib import Path

import numpy as np
import pytest

from embedding import EmbeddingRequestError, UnknownModel, available_models, embed_texts, get_encoder
from embedding.specs import parse_extra_models

# Each word is one token of the tiny models' vocabulary; 14 tokens fill one window (16 less [CLS], [SEP]).
SEGMENT_A = "cat dog fish bird tree river stone cat dog fish bird tree river stone"
SEGMENT_B = "the a of the a of the a of the a of the a"


def raw_vectors(path: Path, texts: list[str], normalize: bool = True) -> np.ndarray:
    """The model's own output, straight from sentence-transformers, as the reference."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(path), device="cpu")
    return np.asarray(model.encode(texts, prompt="", normalize_embeddings=normalize, convert_to_numpy=True))


@pytest.mark.parametrize(
    ("task_type", "prefix"),
    [
        (None, "search_document: "),
        ("search_document", "search_document: "),
        ("search_query", "search_query: "),
        ("clustering", "clustering: "),
        ("classification", "classification: "),
    ],
)
def test_a_model_that_declares_task_prefixes_gets_the_prefix_for_the_task(
    tiny_models: dict[str, Path], task_type: str | None, prefix: str
) -> None:
    texts = ["the cat", "a river of stone"]
    result = embed_texts(texts, "tiny-prefixed", task_type=task_type)
    expected = raw_vectors(tiny_models["tiny-prefixed"], [prefix + t for t in texts])
    np.testing.assert_allclose(result.vectors, expected, atol=1e-5)
    assert not np.allclose(result.vectors, raw_vectors(tiny_models["tiny-prefixed"], texts), atol=1e-3)


def test_nomic_embed_text_gets_nomic_prefixes_even_when_its_config_declares_none(tiny_models: dict[str, Path]) -> None:
    result = embed_texts(["the dog"], "nomic-embed-text-v1.5", task_type="search_query")
    expected = raw_vectors(tiny_models["nomic-embed-text-v1.5"], ["search_query: the dog"])
    np.testing.assert_allclose(result.vectors, expected, atol=1e-5)


def test_a_model_without_prefixes_accepts_every_task_type_and_ignores_it(tiny_models: dict[str, Path]) -> None:
    texts = ["the cat", "fish"]
    expected = raw_vectors(tiny_models["tiny-plain"], texts)
    for task_type in (None, "search_query", "clustering"):
        np.testing.assert_allclose(embed_texts(texts, "tiny-plain", task_type=task_type).vectors, expected, atol=1e-5)


def test_matryoshka_dimensionality_is_layer_norm_then_truncate_then_renormalise(tiny_models: dict[str, Path]) -> None:
    import torch

    texts = ["the cat", "a dog of stone", "river"]
    result = embed_texts(texts, "tiny-prefixed", dimensionality=12)
    # Nomic's published recipe, on the model's raw (un-normalised) output.
    raw = torch.tensor(raw_vectors(tiny_models["tiny-prefixed"], ["search_document: " + t for t in texts], False))
    reference = torch.nn.functional.layer_norm(raw, normalized_shape=(raw.shape[1],))[:, :12]
    reference = torch.nn.functional.normalize(reference, p=2, dim=1).numpy()
    assert result.vectors.shape == (3, 12)
    np.testing.assert_allclose(result.vectors, reference, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(result.vectors, axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize(
    ("model", "dimensionality", "message_part"),
    [
        ("tiny-plain", 16, "cannot shorten them"),
        ("tiny-prefixed", 4, "send a whole number from 8 to 32"),
        ("tiny-prefixed", 64, "send a whole number from 8 to 32"),
    ],
)
def test_a_dimensionality_the_model_cannot_give_is_refused_with_the_range(
    tiny_models: dict[str, Path], model: str, dimensionality: int, message_part: str
) -> None:
    with pytest.raises(EmbeddingRequestError, match=message_part) as caught:
        embed_texts(["cat"], model, dimensionality=dimensionality)
    assert caught.value.field == "dimensionality"


def test_a_plain_model_accepts_its_own_dimensionality_unchanged(tiny_models: dict[str, Path]) -> None:
    full = embed_texts(["cat"], "tiny-plain", dimensionality=32).vectors
    np.testing.assert_allclose(full, embed_texts(["cat"], "tiny-plain").vectors)


def test_long_text_mode_mean_averages_windows_by_tokens_while_truncate_reads_only_the_first(
    tiny_models: dict[str, Path],
) -> None:
    long_text = f"{SEGMENT_A} {SEGMENT_B} cat dog"
    a, b, tail = raw_vectors(tiny_models["tiny-plain"], [SEGMENT_A, SEGMENT_B, "cat dog"])
    truncated = embed_texts([long_text], "tiny-plain", long_text_mode="truncate")
    averaged = embed_texts([long_text, "cat"], "tiny-plain", long_text_mode="mean")
    np.testing.assert_allclose(truncated.vectors[0], a, atol=1e-5)
    # Windows of 16, 16 and 4 tokens ([CLS] and [SEP] included) weigh in that proportion.
    weighted = 16 * a + 16 * b + 4 * tail
    np.testing.assert_allclose(averaged.vectors[0], weighted / np.linalg.norm(weighted), atol=1e-5)
    np.testing.assert_allclose(averaged.vectors[1], raw_vectors(tiny_models["tiny-plain"], ["cat"])[0], atol=1e-5)
    assert truncated.total_tokens == 16
    assert averaged.total_tokens == 16 + 16 + 4 + 3


def test_usage_counts_the_tokens_the_model_read_prefix_included(tiny_models: dict[str, Path]) -> None:
    # [CLS] cat [SEP] = 3; "search_document: " adds search, _, document, : (the _ is [UNK]).
    assert embed_texts(["cat"], "tiny-plain").total_tokens == 3
    assert embed_texts(["cat"], "tiny-prefixed").total_tokens == 7


def test_an_unknown_model_is_refused_with_the_available_ones(tiny_models: dict[str, Path]) -> None:
    with pytest.raises(UnknownModel) as caught:
        embed_texts(["cat"], "text-embedding-3-small")
    assert caught.value.field == "model"
    for name in ("all-MiniLM-L6-v2", "tiny-plain", "tiny-prefixed", "nomic-embed-text-v1.5"):
        assert name in caught.value.message
    assert available_models() == sorted(["all-MiniLM-L6-v2", "nomic-embed-text-v1.5", "tiny-plain", "tiny-prefixed"])


def test_nomic_without_a_configured_directory_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_EXTRA_MODELS", "")
    with pytest.raises(UnknownModel, match=r"supported but not installed.*ATLAS_EXTRA_MODELS"):
        get_encoder("nomic-embed-text-v1.5")


@pytest.mark.parametrize(
    ("task_type", "long_text_mode", "field", "message_part"),
    [
        ("search", "truncate", "task_type", "search_document, search_query, clustering, classification"),
        (None, "split", "long_text_mode", "truncate, mean"),
    ],
)
def test_unknown_options_are_refused_before_any_model_loads(
    task_type: str | None, long_text_mode: str, field: str, message_part: str
) -> None:
    with pytest.raises(EmbeddingRequestError, match=message_part) as caught:
        embed_texts(["cat"], "no-such-model", task_type=task_type, long_text_mode=long_text_mode)
    assert caught.value.field == field


def test_the_pipeline_encoder_embeds_documents_as_unit_vectors(tiny_models: dict[str, Path]) -> None:
    encoder = get_encoder("tiny-prefixed")
    vectors = encoder.encode(["the cat", "dog"])
    assert get_encoder("tiny-prefixed") is encoder
    np.testing.assert_allclose(vectors, embed_texts(["the cat", "dog"], "tiny-prefixed").vectors, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", {}),
        ("m=/models/m", {"m": None}),
        (" a=/x ; matryoshka , b=/y;matryoshka=64 ", {"a": 1, "b": 64}),
    ],
)
def test_extra_models_setting_is_parsed_into_names_paths_and_matryoshka_ranges(
    raw: str, expected: dict[str, int | None]
) -> None:
    specs = parse_extra_models(raw)
    assert {name: spec.matryoshka_min for name, spec in specs.items()} == expected


def test_a_configured_nomic_directory_keeps_nomics_matryoshka_range() -> None:
    spec = parse_extra_models("nomic-embed-text-v1.5=/models/nomic")["nomic-embed-text-v1.5"]
    assert (spec.matryoshka_min, spec.locate(), spec.trust_remote_code) == (64, "/models/nomic", True)


@pytest.mark.parametrize("raw", ["just-a-name", "=/path", "m=", "m=/x;fast", "m=/x;matryoshka=big"])
def test_a_malformed_extra_models_setting_says_what_the_entry_should_look_like(raw: str) -> None:
    with pytest.raises(ValueError, match="ATLAS_EXTRA_MODELS entry"):
        parse_extra_models(raw)
