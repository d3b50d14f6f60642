"""The content-hash embedding cache: a rebuild of the same file embeds nothing, new texts are embedded
once, and cached vectors are the ones the model gave."""

import uuid
from pathlib import Path

import numpy as np
import pytest
from django.test import Client

from embedding import get_encoder
from embedding.bulk import EmbedParams
from embeddings.cache import CacheStats, cached_embeddings
from embeddings.models import CachedEmbedding
from maps.models import Point
from tests.conftest import WorkerProcess
from tests.integration.helpers import upload, wait_until_finished

pytestmark = pytest.mark.django_db(transaction=True)


def run_cached(model: str, texts: list[str], encoded: list[str]) -> tuple[np.ndarray, CacheStats]:
    """Embed through the cache, noting every text that reached the model."""
    encoder = get_encoder(model)
    original = encoder.encode

    def counting(batch: list[str], task_type: str | None = None) -> np.ndarray:
        encoded.extend(batch)
        return original(batch, task_type)

    stats = CacheStats()
    vectors = np.full((len(texts), encoder.dimensions), np.nan, dtype=np.float32)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(encoder, "encode", counting)
        for rows, chunk in cached_embeddings(encoder, texts, EmbedParams(batch_size=2, chunk_size=3), stats):
            assert np.isnan(vectors[rows]).all(), "a row was given two vectors"
            vectors[rows] = chunk
    return vectors, stats


def test_only_texts_the_model_has_not_seen_are_embedded_and_each_only_once(tiny_models: dict[str, Path]) -> None:
    first_texts = ["the cat", "a dog", "the cat", "river stone", "a dog"]
    seen: list[str] = []
    first, stats = run_cached("tiny-prefixed", first_texts, seen)
    # The repeated texts went through once (encode puts the document prefix in front itself).
    assert sorted(seen) == ["a dog", "river stone", "the cat"]
    assert (stats.hits, stats.embedded) == (0, 3)
    np.testing.assert_allclose(first, get_encoder("tiny-prefixed").encode(first_texts), atol=1e-6)

    seen.clear()
    again, stats = run_cached("tiny-prefixed", ["river stone", "fish", "the cat", "fish"], seen)
    assert seen == ["fish"]
    assert (stats.hits, stats.embedded) == (2, 1)
    np.testing.assert_array_equal(again[[0, 2]], first[[3, 0]])
    np.testing.assert_allclose(again[1], again[3])


def test_the_cache_is_kept_per_model(tiny_models: dict[str, Path]) -> None:
    texts = ["stone tree", "bird"]
    run_cached("tiny-plain", texts, [])
    seen: list[str] = []
    other, stats = run_cached("tiny-prefixed", texts, seen)
    assert stats.embedded == 2 and len(seen) == 2
    assert CachedEmbedding.objects.filter(model_key=get_encoder("tiny-prefixed").cache_key).count() == 2
    np.testing.assert_allclose(other, get_encoder("tiny-prefixed").encode(texts), atol=1e-6)


def test_rebuilding_the_same_file_embeds_nothing_and_gives_the_same_vectors(
    client: Client, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    # Texts no other test uses, so the first build cannot find them cached.
    run = uuid.uuid4().hex
    rows = [f"package {run} number {i} does web things" for i in range(60)]
    rows[10] = rows[11]  # a duplicate within the file is embedded once
    path = tmp_path / "fresh.csv"
    path.write_text("summary\n" + "\n".join(rows) + "\n", encoding="utf-8")

    first = wait_until_finished(client, upload(client, path, "summary")["id"])
    assert first["status"] == "ready", celery_worker.log_tail()
    assert (first["timings"]["embed_cache_hits"], first["timings"]["embed_computed"]) == (0, 59)

    second = wait_until_finished(client, upload(client, path, "summary")["id"])
    assert second["status"] == "ready", celery_worker.log_tail()
    assert (second["timings"]["embed_cache_hits"], second["timings"]["embed_computed"]) == (60, 0)

    def vectors(dataset_id: str) -> np.ndarray:
        points = Point.objects.filter(dataset_id=dataset_id).order_by("row_id")
        return np.array([p.embedding for p in points])

    np.testing.assert_array_equal(vectors(first["id"]), vectors(second["id"]))
