"""Duplicates: rows with the same normalised text at any threshold, near-identical rows (the pairs a layout
found) from the threshold up, joined into groups largest first with a representative; through the API on a
synthetic map, and found for planted copies in a real build through the worker."""

import csv
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from django.test import Client

from maps.models import NearPair, Point
from tests.conftest import DATASETS, WorkerProcess
from tests.integration.helpers import wait_until_finished
from tests.planted import edited
from tests.synthetic_map import create_synthetic_map


def duplicates(client: Client, dataset_id: object, **params: Any) -> Any:
    return client.get(f"/api/v1/datasets/{dataset_id}/duplicates", params)


@pytest.mark.django_db
def test_exact_and_near_duplicates_join_into_groups_largest_first(client: Client) -> None:
    synthetic = create_synthetic_map()
    dataset = synthetic.dataset
    # Rows 1 and 2 say the same as row 0 but for case and spaces; rows 10-11-12 are a chain of near pairs.
    Point.objects.filter(dataset=dataset, row_id__in=[0, 1, 2]).update(text="Same  text")
    Point.objects.filter(dataset=dataset, row_id=1).update(text="same text ")
    NearPair.objects.bulk_create(
        [
            NearPair(dataset=dataset, first=10, second=11, similarity=0.97),
            NearPair(dataset=dataset, first=11, second=12, similarity=0.99),
            NearPair(dataset=dataset, first=20, second=21, similarity=0.88),
        ]
    )
    answer = duplicates(client, dataset.id).json()
    assert answer["threshold"] == 0.9 and answer["searched"] is False
    assert [(g["rows"], g["representative"], g["exact"]) for g in answer["groups"]] == [
        ([0, 1, 2], 0, True),
        ([10, 11, 12], 11, False),
    ]
    assert answer["groups"][0]["text"] == "Same  text"
    # A lower threshold takes in the 0.88 pair; a higher one leaves the chain but never the exact group.
    lower = duplicates(client, dataset.id, threshold=0.85).json()["groups"]
    assert [g["rows"] for g in lower] == [[0, 1, 2], [10, 11, 12], [20, 21]]
    higher = duplicates(client, dataset.id, threshold=0.98).json()["groups"]
    assert [g["rows"] for g in higher] == [[0, 1, 2], [11, 12]]
    # Once rows are scored, the map says its near duplicates were looked for.
    Point.objects.filter(dataset=dataset).update(outlier=0.1)
    assert duplicates(client, dataset.id).json()["searched"] is True
    for bad in ("0.5", "1.5", "x"):
        response = duplicates(client, dataset.id, threshold=bad)
        assert response.status_code == 400 and "threshold" in response.json()["error"]["message"]

    # For colouring: each row's group, numbered largest first and named by its representative, at the threshold.
    def row_groups(**params: Any) -> list[str | None]:
        response = client.get(f"/api/v1/datasets/{dataset.id}/duplicates/rows", params)
        assert response.status_code == 200, response.content
        values = pa.ipc.open_stream(b"".join(response.streaming_content)).read_all().column("value")
        return values.to_pylist()

    groups = row_groups()
    assert groups[:3] == ["1. Same text"] * 3 and groups[10:13] == [f"2. {synthetic.fields[11]['summary']}"] * 3
    assert sum(g is not None for g in groups) == 6 and len(groups) == synthetic.rows
    assert row_groups(threshold=0.85)[20:22] == [f"3. {synthetic.fields[20]['summary']}"] * 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("api_key")
def test_planted_copies_in_a_real_build_are_found_as_near_duplicates(
    client: Client, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    with (DATASETS / "pypi_summaries_20k.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(itertools.islice(csv.DictReader(handle), 600))
    rng = np.random.default_rng(7)
    long_enough = [i for i, r in enumerate(rows) if len(r["summary"].split()) > 5]
    sources = [int(i) for i in rng.choice(long_enough, size=30, replace=False)]
    copies = [{"name": f"copy-{k}", "summary": edited(rows[i]["summary"], rng)} for k, i in enumerate(sources)]
    path = tmp_path / "planted.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["name", "summary"])
        writer.writeheader()
        writer.writerows(rows + copies)
    with path.open("rb") as handle:
        created = client.post("/api/v1/datasets", {"file": handle, "name": "planted", "text_field": "summary"})
    assert created.status_code == 201, created.content
    built = wait_until_finished(client, created.json()["id"])
    assert built["status"] == "ready", celery_worker.log_tail()

    answer = duplicates(client, built["id"]).json()
    assert answer["searched"] is True
    group_of = {row: tuple(g["rows"]) for g in answer["groups"] for row in g["rows"]}
    planted = {(source, 600 + k) for k, source in enumerate(sources)}
    found = sum(1 for source, copy in planted if group_of.get(copy) is not None and source in group_of[copy])
    # Recall: every copy is grouped with its source (30 of 30 when the default was chosen). Precision: the
    # groups hold few other rows (none then).
    assert found >= 0.95 * len(planted), (found, len(planted))
    grouped = sum(len(g["rows"]) for g in answer["groups"])
    assert grouped <= 1.2 * 2 * len(planted), answer["groups"][:5]
