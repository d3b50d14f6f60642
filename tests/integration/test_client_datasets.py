"""atlas_client.map_data / AtlasDataset against the running test server and a real Celery worker: a
DataFrame goes up as Parquet, a file as it is, the build is awaited and the map URL returned."""

import base64
import csv
import html
import io
import itertools
import re
from pathlib import Path

import pytest
from atlas_client import AtlasDataset, AtlasError, map_data
from PIL import Image
from pytest_django.live_server_helper import LiveServer

from maps.models import Point, Topic
from tests.conftest import DATASETS, WorkerProcess

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("api_key")]


def pypi_rows(count: int) -> list[dict[str, str]]:
    with (DATASETS / "pypi_summaries_20k.csv").open(newline="", encoding="utf-8") as handle:
        return list(itertools.islice(csv.DictReader(handle), count))


def test_a_dataframe_is_uploaded_built_and_its_map_url_returned(
    live_server: LiveServer, celery_worker: WorkerProcess
) -> None:
    import pandas as pd

    rows = pypi_rows(80)
    frame = pd.DataFrame(
        {"pkg": [f"p{i}" for i in range(len(rows))], "title": [r["summary"] for r in rows], "n": range(len(rows))}
    )
    dataset = map_data(
        frame, text_template="{title} ({pkg})", id_field="pkg", name="frame", base_url=live_server.url, progress=False
    )
    assert dataset.status == "ready", celery_worker.log_tail()
    assert dataset.map_url == f"{live_server.url}/maps/{dataset.id}"
    assert dataset.summary["rows"] == 80
    assert dataset.summary["columns"] == ["pkg", "title", "n"]
    first = Point.objects.get(dataset_id=dataset.id, row_id=0)
    assert first.text == f"{rows[0]['summary']} (p0)"
    assert first.fields["pkg"] == "p0"


def test_a_file_path_is_uploaded_as_it_is_and_can_be_awaited_later(
    live_server: LiveServer, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    path = tmp_path / "pypi.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["summary"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(pypi_rows(60))
    dataset = AtlasDataset.upload(path, name="file", text_field="summary", base_url=live_server.url)
    assert dataset.status in ("queued", "running", "ready")
    assert dataset.wait(progress=False).status == "ready", celery_worker.log_tail()
    assert dataset.summary["rows"] == 60
    assert dataset.summary["name"] == "file"


def test_an_unknown_text_field_is_refused_with_the_columns_there(live_server: LiveServer) -> None:
    import pandas as pd

    with pytest.raises(AtlasError, match="summary") as caught:
        map_data(pd.DataFrame({"summary": ["a", "b"]}), text_field="body", base_url=live_server.url, wait=False)
    assert caught.value.status == 400


def test_nothing_to_embed_and_unsupported_data_are_refused_before_any_upload() -> None:
    with pytest.raises(ValueError, match="text_field"):
        map_data("data.csv", base_url="http://127.0.0.1:9")
    with pytest.raises(TypeError, match="pandas DataFrame"):
        map_data([1, 2, 3], text_field="x", base_url="http://127.0.0.1:9")


def test_a_map_is_opened_by_id_and_queried_with_filters_as_hits_or_a_dataframe(live_server: LiveServer) -> None:
    from tests.synthetic_map import PER_TOPIC, create_synthetic_map

    synthetic = create_synthetic_map("queried")
    dataset = AtlasDataset.open(str(synthetic.dataset.id), base_url=live_server.url)
    assert dataset.status == "ready" and dataset.summary["name"] == "queried"
    go = {"column": "lang", "op": "=", "value": "go"}
    hits = dataset.query(row=3, k=5, filters={"or": [go, {"topic": 0}]})
    assert len(hits) == 5 and 3 not in [hit["id"] for hit in hits]
    assert all(hit["topic"] == 0 for hit in hits), "row 3's neighbours within the filter are its own topic's"
    frame = dataset.query("container image", mode="keyword", k=100, filters=go, as_dataframe=True)
    assert len(frame) == PER_TOPIC and set(frame["lang"]) == {"go"}
    assert list(frame.columns[:5]) == ["id", "key", "score", "text", "topic"]
    with pytest.raises(AtlasError, match="no column 'nope'"):
        dataset.query("x", filters={"column": "nope", "op": "=", "value": 1})


def test_a_map_comes_back_as_a_dataframe_with_its_places_topics_tags_and_file_columns(
    live_server: LiveServer,
) -> None:
    from maps import actions
    from tests.synthetic_map import create_synthetic_map

    synthetic = create_synthetic_map("<b>frame</b>")
    actions.tag_rows(actions.create_tag(synthetic.dataset, "review", "#e4572e"), [3, 200])
    dataset = AtlasDataset.open(str(synthetic.dataset.id), base_url=live_server.url)
    frame = dataset.to_pandas()
    assert len(frame) == synthetic.rows
    assert list(frame.columns)[:4] == ["row_id", "x", "y", "topic_broad"]
    assert list(frame["row_id"]) == list(range(synthetic.rows))
    first = Point.objects.get(dataset=synthetic.dataset, row_id=200)
    row = frame.iloc[200]
    assert (row["x"], row["y"], row["topic_fine"]) == (first.x, first.y, first.topic)
    assert list(row["tags"]) == ["review"] and list(frame.iloc[4]["tags"]) == []
    assert row["summary"] == synthetic.fields[200]["summary"]
    # In a notebook: a link to the map, the name shown as text, never as markup.
    shown = dataset._repr_html_()
    assert "&lt;b&gt;frame&lt;/b&gt;" in shown and "<b>frame" not in shown
    assert f'href="{live_server.url}/maps/{synthetic.dataset.id}"' in shown and "240 rows, 6 topics" in shown
    # ... around a picture of the map, named by its broad topics.
    picture = re.search(r'src="data:image/png;base64,([^"]+)"', shown)
    assert picture is not None and Image.open(io.BytesIO(base64.b64decode(picture.group(1)))).format == "PNG"
    broad = Topic.objects.filter(dataset=synthetic.dataset, level=Topic.Level.BROAD)
    assert broad and all(html.escape(t.label) in shown for t in broad)


def test_an_editor_edits_topics_and_reads_explanations_duplicates_and_outliers_through_the_client(
    live_server: LiveServer,
) -> None:
    from tests.synthetic_map import create_synthetic_map

    synthetic = create_synthetic_map()
    dataset = AtlasDataset.open(str(synthetic.dataset.id), base_url=live_server.url)
    assert "software libraries" in dataset._repr_html_()
    renamed = dataset.rename_topic(9, "Code & <libraries>")
    assert (renamed["label"], renamed["edited"]) == ("Code & <libraries>", True)
    assert {t["id"]: t["label"] for t in dataset.topics()}[9] == "Code & <libraries>"
    with pytest.raises(AtlasError, match="no topic 99"):
        dataset.rename_topic(99, "x")
    shown = dataset._repr_html_()
    assert "Code &amp; &lt;libraries&gt;" in shown and "software libraries" not in shown
    # ... and asks what sets a topic, or some rows, apart.
    explained = dataset.explain(filters={"topic": 0})
    assert explained["rows"] == 40 and "http" in {w["term"] for w in explained["words"]}
    assert dataset.explain(rows=list(range(40))) == explained
    with pytest.raises(ValueError, match="say which rows"):
        dataset.explain()
    # ... reshapes topics ...
    tree = {t["id"]: t["size"] for t in dataset.merge_topics(0, [1])}
    assert tree[0] == 80 and 1 not in tree
    made = [t for t in dataset.move_rows([200, 201], label="Two rows") if t["label"] == "Two rows"]
    assert len(made) == 1 and made[0]["size"] == 2
    parts = {t["id"]: t["size"] for t in dataset.split_topic(0, parts=2)}
    assert parts[0] + parts[max(parts)] == 80 and parts[0] == parts[max(parts)] == 40
    # ... lists duplicate groups (none on this map: every text differs, and it has no near pairs) ...
    assert dataset.duplicates() == {"threshold": 0.9, "searched": False, "groups": []}
    assert dataset.duplicates(threshold=0.97)["threshold"] == 0.97
    # ... and reads every row's outlier score (none yet on this map, laid out without them).
    scores = dataset.outlier_scores()
    assert len(scores) == synthetic.rows and all(score != score for score in scores)


def test_an_editor_classifies_rows_from_a_label_column_and_tags_the_predictions_through_the_client(
    live_server: LiveServer, celery_worker: WorkerProcess
) -> None:
    from tests.synthetic_map import create_synthetic_map

    synthetic = create_synthetic_map()
    hidden = list(range(0, synthetic.rows, 5))
    for point in Point.objects.filter(dataset=synthetic.dataset, row_id__in=hidden):
        point.fields = {**point.fields, "lang": None}
        point.save(update_fields=["fields"])
    dataset = AtlasDataset.open(str(synthetic.dataset.id), base_url=live_server.url)
    done = dataset.classify(label_field="lang", column="language")
    assert done["status"] == "ready", celery_worker.log_tail()
    assert done["cv"]["accuracy"] == 1.0 and done["predicted"] == len(hidden)
    assert [c["id"] for c in dataset.classifications()] == [done["id"]]
    frame = dataset.to_pandas()
    guessed = frame.set_index("row_id").loc[hidden, "language"]
    assert guessed.tolist() == [synthetic.fields[row]["lang"] for row in hidden]
    tagged = dataset.tag_predictions(done["id"], min_confidence=0.5)
    assert tagged["rows"] == len(hidden) and {t["name"] for t in tagged["tags"]} == {"python", "rust", "go"}
    with pytest.raises(AtlasError, match="at most 100 classes"):
        dataset.classify(label_field="summary")
    with pytest.raises(ValueError, match="say what to learn from"):
        dataset.classify()
    dataset.remove_classification(done["id"])
    assert dataset.classifications() == []


def test_map_data_takes_the_text_column_as_text(live_server: LiveServer, celery_worker: WorkerProcess) -> None:
    import pandas as pd

    rows = pypi_rows(40)
    frame = pd.DataFrame({"summary": [r["summary"] for r in rows]})
    dataset = map_data(frame, text="summary", name="text", base_url=live_server.url, progress=False)
    assert dataset.status == "ready", celery_worker.log_tail()
    assert dataset.summary["text_field"] == "summary"
    assert len(dataset.to_pandas()) == 40
    with pytest.raises(ValueError, match="disagree"):
        map_data(frame, text_field="summary", text="other", base_url=live_server.url)
