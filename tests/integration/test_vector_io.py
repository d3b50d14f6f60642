"""Reading a dataset's vectors back through binary COPY: exact values, row order, and a clear error for a gap."""

import numpy as np
import pytest
from django.conf import settings

from maps.models import Dataset
from workers import store
from workers.vector_io import IncompleteVectors, load_vectors

pytestmark = pytest.mark.django_db(transaction=True)


def stored_dataset(rows: int, with_vectors: int) -> tuple[Dataset, np.ndarray]:
    dataset = Dataset.objects.create(
        name="vectors", source_filename="v.csv", upload_path="/nowhere", text_field="t", model_name=settings.EMBED_MODEL
    )
    texts = [f"text {i}" for i in range(rows)]
    store.insert_points(dataset.id, texts, [{"t": text, "n": i} for i, text in enumerate(texts)])
    vectors = np.random.default_rng(7).standard_normal((rows, 384)).astype(np.float32)
    # Stored out of order, so reading back in row order is not an accident of insertion order.
    order = np.random.default_rng(8).permutation(with_vectors)
    store.save_embeddings(dataset.id, order, vectors[order])
    return dataset, vectors


def test_load_rows_gives_every_vector_bit_for_bit_with_its_text_and_label_in_row_order() -> None:
    dataset, vectors = stored_dataset(2_500, 2_500)
    loaded, texts, values = store.load_rows(dataset.id, "n")
    assert loaded.dtype == np.float32 and loaded.shape == (2_500, 384)
    assert np.array_equal(loaded, vectors)
    assert texts == [f"text {i}" for i in range(2_500)]
    assert values == [str(i) for i in range(2_500)]


def test_load_rows_from_a_row_id_on_gives_only_the_rows_from_there() -> None:
    dataset, vectors = stored_dataset(300, 300)
    loaded, texts, values = store.load_rows(dataset.id, first=250)
    assert np.array_equal(loaded, vectors[250:])
    assert texts == [f"text {i}" for i in range(250, 300)]
    assert values is None


@pytest.mark.parametrize("missing_from", [0, 137, 299])
def test_a_row_without_a_vector_is_named(missing_from: int) -> None:
    dataset, _ = stored_dataset(300, 300)
    from maps.models import Point

    Point.objects.filter(dataset=dataset, row_id=missing_from).update(embedding=None)
    with pytest.raises(IncompleteVectors, match=f"row {missing_from} of dataset|1 of 300 rows"):
        load_vectors(dataset.id)


def test_a_dataset_with_no_rows_gives_an_empty_array() -> None:
    dataset, _ = stored_dataset(0, 0)
    assert load_vectors(dataset.id).shape == (0, 384)
