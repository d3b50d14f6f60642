"""Classification from examples through the API and the real worker: a label column's (or tags') classes are
learned from the labelled rows' embeddings, cross-validated, and predicted for the other rows into a new column
with its confidences; confident predictions become tags; a new run replaces the column, and removing the
classification removes it. Requests that cannot teach a classifier are refused before anything is queued."""

import time
from typing import Any

import pytest
from django.test import Client

from maps import enqueue
from maps.models import Classification, Dataset, Point, Tag, TaggedRow
from teams.models import AuditEvent
from tests.conftest import WorkerProcess
from tests.synthetic_map import PER_TOPIC, create_synthetic_map


def classify(client: Client, dataset: Dataset, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/datasets/{dataset.id}/classifications", body, content_type="application/json")


def wait_for(client: Client, dataset: Dataset, classification_id: str, worker: WorkerProcess) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        answer: dict[str, Any] = client.get(f"/api/v1/datasets/{dataset.id}/classifications/{classification_id}").json()
        if answer["status"] in ("ready", "failed"):
            return answer
        assert time.monotonic() < deadline, worker.log_tail()
        time.sleep(0.3)


def column(client: Client, dataset: Dataset, name: str) -> list[Any]:
    import pyarrow as pa

    response = client.get(f"/api/v1/datasets/{dataset.id}/columns/{name}")
    assert response.status_code == 200, response.content
    return pa.ipc.open_stream(b"".join(response.streaming_content)).read_all().column("value").to_pylist()


@pytest.mark.django_db(transaction=True)
def test_a_label_column_teaches_a_classifier_that_predicts_the_unlabelled_rows(
    client: Client, celery_worker: WorkerProcess
) -> None:
    synthetic = create_synthetic_map()
    dataset = synthetic.dataset
    # A quarter of each language's rows lose their label: those are the rows to predict.
    hidden = [row for row in range(synthetic.rows) if row % 4 == 0]
    for row in hidden:
        point = Point.objects.get(dataset=dataset, row_id=row)
        point.fields = {**point.fields, "lang": "  " if row % 8 else None}
        point.save(update_fields=["fields"])

    response = classify(client, dataset, {"label_field": "lang"})
    assert response.status_code == 202, response.content
    started = response.json()
    assert (started["status"], started["column"], started["confidence_column"]) == (
        "queued",
        "lang_predicted",
        "lang_predicted_confidence",
    )
    done = wait_for(client, dataset, started["id"], celery_worker)
    assert done["status"] == "ready", done
    per_language = 2 * PER_TOPIC * 3 // 4
    assert done["classes"] == {"go": per_language, "python": per_language, "rust": per_language}
    assert done["cv"] == {"accuracy": 1.0, "macro_f1": 1.0, "folds": 5, "rows": 3 * per_language}
    assert done["predicted"] == len(hidden) and done["warnings"] == []

    kinds = {c["name"]: c["kind"] for c in client.get(f"/api/v1/datasets/{dataset.id}/columns").json()}
    assert kinds["lang_predicted"] == "category" and kinds["lang_predicted_confidence"] == "number"
    predicted = column(client, dataset, "lang_predicted")
    confidence = column(client, dataset, "lang_predicted_confidence")
    for row in range(synthetic.rows):
        if row in hidden:
            assert predicted[row] == synthetic.fields[row]["lang"] and 0.5 < confidence[row] <= 1.0, row
        else:
            assert predicted[row] is None and confidence[row] is None, row
    assert AuditEvent.objects.get(action="classification.started").detail["column"] == "lang_predicted"

    # Confident predictions become tags named after their class.
    tagged = client.post(
        f"/api/v1/datasets/{dataset.id}/classifications/{started['id']}/tags",
        {"min_confidence": 0.5},
        content_type="application/json",
    ).json()
    assert tagged["rows"] == len(hidden)
    assert sorted((t["name"], t["added"]) for t in tagged["tags"]) == [
        ("go", len(hidden) // 3),
        ("python", len(hidden) // 3),
        ("rust", len(hidden) // 3),
    ]
    python = Tag.objects.get(dataset=dataset, name="python")
    assert {r.row_id for r in TaggedRow.objects.filter(tag=python)} == {
        row for row in hidden if synthetic.fields[row]["lang"] == "python"
    }
    assert AuditEvent.objects.filter(action="classification.tagged").count() == 1

    # Asking again replaces the column; removing the classification removes its columns from every row.
    again = classify(client, dataset, {"label_field": "lang"}).json()
    assert again["column"] == "lang_predicted"
    assert wait_for(client, dataset, again["id"], celery_worker)["status"] == "ready"
    assert [str(c.id) for c in Classification.objects.filter(dataset=dataset)] == [again["id"]]
    dataset.refresh_from_db()
    assert dataset.columns.count("lang_predicted") == 1
    assert column(client, dataset, "lang_predicted") == predicted
    removed = client.delete(f"/api/v1/datasets/{dataset.id}/classifications/{again['id']}")
    assert removed.status_code == 204
    dataset.refresh_from_db()
    assert "lang_predicted" not in dataset.columns and "lang_predicted_confidence" not in dataset.columns
    assert not Point.objects.filter(dataset=dataset, fields__has_key="lang_predicted").exists()
    assert client.get(f"/api/v1/datasets/{dataset.id}/columns/lang_predicted").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_tags_teach_their_classes_and_rows_with_two_of_them_teach_nothing(
    client: Client, celery_worker: WorkerProcess
) -> None:
    synthetic = create_synthetic_map()
    dataset = synthetic.dataset
    # Half the rows of topic 0 are tagged "web", half of topic 4 "cloud"; one row carries both.
    web = Tag.objects.create(dataset=dataset, name="web", colour="#112233")
    cloud = Tag.objects.create(dataset=dataset, name="cloud", colour="#445566")
    web_rows = list(range(0, PER_TOPIC, 2))
    cloud_rows = list(range(4 * PER_TOPIC, 5 * PER_TOPIC, 2))
    TaggedRow.objects.bulk_create([TaggedRow(tag=web, row_id=r) for r in web_rows])
    TaggedRow.objects.bulk_create([TaggedRow(tag=cloud, row_id=r) for r in [*cloud_rows, 0]])

    started = classify(client, dataset, {"tags": [web.id, cloud.id], "column": "area"}).json()
    done = wait_for(client, dataset, started["id"], celery_worker)
    assert done["status"] == "ready", done
    assert done["classes"] == {"web": len(web_rows) - 1, "cloud": len(cloud_rows)}
    assert done["tags"] == [web.id, cloud.id] and done["label_field"] is None
    assert done["predicted"] == synthetic.rows - len(web_rows) - len(cloud_rows)
    predicted = column(client, dataset, "area")
    assert predicted[0] is None  # tagged twice: labelled, so not predicted
    assert all(predicted[r] == "web" for r in range(1, PER_TOPIC, 2))
    assert all(predicted[r] == "cloud" for r in range(4 * PER_TOPIC + 1, 5 * PER_TOPIC, 2))

    # Tagging the predictions puts the training tags on them.
    client.post(
        f"/api/v1/datasets/{dataset.id}/classifications/{started['id']}/tags",
        {"min_confidence": 0.0},
        content_type="application/json",
    )
    assert Tag.objects.filter(dataset=dataset).count() == 2
    assert TaggedRow.objects.filter(tag=web).count() + TaggedRow.objects.filter(tag=cloud).count() == synthetic.rows + 1


@pytest.mark.django_db(transaction=True)
def test_a_classification_whose_tag_went_away_fails_with_a_reason(client: Client, celery_worker: WorkerProcess) -> None:
    dataset = create_synthetic_map().dataset
    queued = Classification.objects.create(dataset=dataset, tag_ids=[999_999, 999_998], column="gone")
    enqueue.classify(queued.id)
    done = wait_for(client, dataset, str(queued.id), celery_worker)
    assert done["status"] == "failed" and "deleted" in done["error"]
    dataset.refresh_from_db()
    assert "gone" not in dataset.columns


@pytest.mark.django_db
def test_labels_that_cannot_teach_a_classifier_are_refused_before_anything_is_queued(client: Client) -> None:
    synthetic = create_synthetic_map()
    dataset = synthetic.dataset

    def refused(body: dict[str, Any], status: int, message: str) -> None:
        response = classify(client, dataset, body)
        assert response.status_code == status, (body, response.content)
        assert message in response.json()["error"]["message"], (body, response.json())

    refused({"label_field": "nope"}, 404, "has no column 'nope'")
    refused({"label_field": "summary"}, 400, "at most 100 classes")
    refused({"label_field": "maybe"}, 400, "two classes with at least 2 rows")
    refused({"label_field": "lang"}, 400, "nothing to predict")
    refused({"tags": [123456]}, 404, "no tag 123456")
    refused({}, 400, "exactly one of label_field")
    refused({"label_field": "lang", "tags": [1]}, 400, "exactly one of label_field")
    Point.objects.filter(dataset=dataset, row_id=0).update(fields={**synthetic.fields[0], "lang": None})
    refused({"label_field": "lang", "column": "stars"}, 400, "column 'stars' of its own")
    one = Tag.objects.create(dataset=dataset, name="one", colour="#000000")
    refused({"tags": [one.id]}, 400, "two tags or more")
    other = Tag.objects.create(dataset=dataset, name="other", colour="#000000")
    TaggedRow.objects.create(tag=one, row_id=1)
    refused({"tags": [one.id, other.id]}, 400, "two classes with at least 2 rows")
    assert not Classification.objects.exists()
    Dataset.objects.filter(id=dataset.id).update(status=Dataset.Status.RUNNING)
    assert classify(client, dataset, {"label_field": "lang"}).status_code == 409
