"""map_data / AtlasDataset: upload a DataFrame, an Arrow table or a file to an Atlas server, build its map
and (optionally) wait for it, with a progress bar; query a map's rows by text, vector or row, within filters."""

import html
import io
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from atlas_client.errors import AtlasError
from atlas_client.http import auth_headers, post, refusal, server_url
from atlas_client.picture import labelled_picture

FINISHED = ("ready", "failed", "cancelled")
ARROW = "application/vnd.apache.arrow.stream"


def as_upload(data: Any, name: str) -> tuple[str, bytes | Any]:
    """(file name, bytes or open file): a DataFrame or Arrow table becomes Parquet, a path is sent as it is."""
    if isinstance(data, (str, Path)):
        path = Path(data)
        if not path.is_file():
            raise AtlasError(f"{path} is not a file; pass a DataFrame, an Arrow table or a path to a data file")
        return path.name, path.read_bytes()
    buffer = io.BytesIO()
    if hasattr(data, "to_parquet"):  # pandas (or anything shaped like it)
        data.to_parquet(buffer, index=False)
    elif hasattr(data, "schema") and hasattr(data, "to_batches"):  # a pyarrow Table
        import pyarrow.parquet as pq

        pq.write_table(data, buffer)
    else:
        raise TypeError(f"cannot upload a {type(data).__name__}; pass a pandas DataFrame, a pyarrow Table or a path")
    return f"{name or 'data'}.parquet", buffer.getvalue()


class AtlasDataset:
    """One dataset on an Atlas server: its id, status and map URL, refreshed on demand."""

    def __init__(
        self, summary: dict[str, Any], base_url: str, timeout: float = 120.0, api_key: str | None = None
    ) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.summary = summary
        self.api_key = api_key
        self._picture: str | None = None

    @property
    def id(self) -> str:
        return str(self.summary["id"])

    @property
    def status(self) -> str:
        return str(self.summary["status"])

    @property
    def map_url(self) -> str:
        return self.base_url + str(self.summary["url"])

    @classmethod
    def upload(
        cls,
        data: Any,
        name: str = "",
        text_field: str | None = None,
        text_template: str | None = None,
        id_field: str | None = None,
        base_url: str | None = None,
        max_retries: int = 2,
        timeout: float = 300.0,
        api_key: str | None = None,
        passage_tokens: int | None = None,
        passage_overlap: int | None = None,
    ) -> "AtlasDataset":
        """Upload and queue the build; the server checks the fields on the file's first rows (400 if wrong).

        passage_tokens (and passage_overlap) make a passage map: long texts cut into passages, each embedded
        and searched, and query hits carry their best passage."""
        if not (text_field or text_template):
            raise ValueError("say what to embed: text_field='column' or text_template='{title} - {body}'")
        url = server_url(base_url)
        filename, content = as_upload(data, name)
        fields = {"name": name, "text_field": text_field or "", "text_template": text_template or ""}
        fields["id_field"] = id_field or ""
        passages = {"passage_tokens": passage_tokens, "passage_overlap": passage_overlap}
        fields |= {key: str(value) for key, value in passages.items() if value is not None}
        with httpx.Client(timeout=timeout, headers=auth_headers(api_key)) as client:
            created = post(
                client, url + "/api/v1/datasets", max_retries, 0.5, files={"file": (filename, content)}, data=fields
            )
        return cls(created, url, timeout, api_key)

    @classmethod
    def open(
        cls, dataset_id: str, base_url: str | None = None, timeout: float = 120.0, api_key: str | None = None
    ) -> "AtlasDataset":
        """A dataset already on the server, by its id (as in its map's address)."""
        return cls(
            {"id": dataset_id, "status": "", "url": f"/maps/{dataset_id}"}, server_url(base_url), timeout, api_key
        ).refresh()

    def query(
        self,
        query: str | None = None,
        *,
        vector: Sequence[float] | None = None,
        row: int | None = None,
        k: int = 10,
        mode: str | None = None,
        filters: dict[str, Any] | None = None,
        fields: list[str] | None = None,
        threshold: float | None = None,
        as_dataframe: bool = False,
        max_retries: int = 2,
    ) -> Any:
        """The k rows best matching a text, a vector or a row (exactly one), best first: each a dict with id,
        key, score, text, fields and topic; a pandas DataFrame (one column per field) with as_dataframe=True.

        mode: "semantic", "keyword" or "hybrid"; None leaves the server's default (hybrid for a text, semantic
        for a vector or a row). filters: as the API takes them, e.g.
        {"and": [{"column": "year", "op": ">=", "value": 2020}, {"topic": 12}]}.
        """
        body: dict[str, Any] = {"k": k} if mode is None else {"k": k, "mode": mode}
        given = {"query": query, "vector": None if vector is None else [float(v) for v in vector], "row": row}
        body |= {name: value for name, value in given.items() if value is not None}
        extra = {"filters": filters, "fields": fields, "threshold": threshold}
        body |= {name: value for name, value in extra.items() if value is not None}
        with httpx.Client(timeout=self.timeout, headers=auth_headers(self.api_key)) as client:
            answer = post(client, f"{self.base_url}/api/v1/datasets/{self.id}/query", max_retries, 0.5, json=body)
        hits: list[dict[str, Any]] = answer["results"]
        if not as_dataframe:
            return hits
        import pandas as pd  # type: ignore[import-untyped]

        return pd.DataFrame(
            [{**{n: h[n] for n in ("id", "key", "score", "text", "topic")}, **h["fields"]} for h in hits],
            columns=None if hits else ["id", "key", "score", "text", "topic"],
        )

    def to_pandas(self) -> Any:
        """Every row of the map as a pandas DataFrame, as the map's Parquet export has it: row_id, the id
        column, x, y, topic_<level> and topic_<level>_label for each topic level, tags (a list of names), then
        every column of the uploaded file."""
        import pyarrow.parquet as pq

        rows = int(self.refresh().summary.get("rows") or 0)
        if self.status != "ready":
            raise AtlasError(f"the map {self.id} is {self.status}, not ready; wait() for it first")
        response = self._call("POST", "/export", json={"rows": list(range(rows)), "format": "parquet"})
        return pq.read_table(io.BytesIO(response.content)).to_pandas()

    def topics(self) -> list[dict[str, Any]]:
        """The topic tree: each topic's id, label, edited (an editor named it), size, parent, level, keywords,
        representatives and place (x, y)."""
        found: list[dict[str, Any]] = self._call("GET", "/topics").json()
        return found

    def rename_topic(self, topic_id: int, label: str) -> dict[str, Any]:
        """Name a topic of any level (needs edit rights); everyone who opens the map sees the name, and a
        re-layout carries it to the new topic holding most of its rows. Returns the topic as stored."""
        topic: dict[str, Any] = self._call("PATCH", f"/topics/{topic_id}", json={"label": label}).json()
        self._picture = None  # the picture names the broad topics
        return topic

    def duplicates(self, threshold: float | None = None) -> dict[str, Any]:
        """Groups of duplicate rows, largest first: the same text (lower-cased, runs of spaces as one) at any
        threshold, near-identical vectors from `threshold` (cosine, 0.85 to 1; the server's default when None)
        up. Returns {"threshold", "searched", "groups": [{"rows", "representative", "text", "exact"}]}."""
        params = {} if threshold is None else {"threshold": threshold}
        found: dict[str, Any] = self._call("GET", "/duplicates", params=params).json()
        return found

    def outlier_scores(self) -> Any:
        """Every row's outlier score in row-id order (a numpy float32 array; NaN for a map laid out before scores
        existed): the mean cosine distance to its 10 nearest rows, higher is more unusual. Needs pyarrow (the
        dataframes extra)."""
        import pyarrow as pa

        table = pa.ipc.open_stream(self._call("GET", "/outliers", headers={"Accept": ARROW}).content).read_all()
        return table.column("value").to_numpy(zero_copy_only=False)

    def merge_topics(self, into: int, topics: Sequence[int]) -> list[dict[str, Any]]:
        """Merge topics of one level into `into` (it keeps its name); needs edit rights. Returns the new tree."""
        body = {"into": into, "topics": [int(t) for t in topics]}
        tree: list[dict[str, Any]] = self._call("POST", "/topics/merge", json=body).json()
        self._picture = None
        return tree

    def split_topic(self, topic_id: int, parts: int | None = None) -> list[dict[str, Any]]:
        """Split a fine topic into `parts` parts (2 to 20), or as many as HDBSCAN finds (None), where its rows lie
        on the map; each part is named by the words that set it apart. Needs edit rights. Returns the new tree."""
        body = {} if parts is None else {"parts": int(parts)}
        tree: list[dict[str, Any]] = self._call("POST", f"/topics/{int(topic_id)}/split", json=body).json()
        self._picture = None
        return tree

    def ask_labeller(self, topic_id: int, timeout: float = 60.0) -> dict[str, Any]:
        """Ask the server's configured labeller for a new name for a topic (needs edit rights); waits up to
        `timeout` seconds for the name to change and returns the topic as it then is (its own name kept when the
        labeller gave none). AtlasError when the server has no labeller."""
        before = next((t for t in self.topics() if t["id"] == topic_id), None)
        self._call("POST", f"/topics/{int(topic_id)}/name")
        deadline = time.monotonic() + timeout
        while True:
            now = next((t for t in self.topics() if t["id"] == topic_id), None)
            if now is None or before is None or now["label"] != before["label"] or time.monotonic() > deadline:
                self._picture = None
                return now or {}
            time.sleep(0.5)

    def move_rows(
        self, rows: Sequence[int], topic: int | None = None, label: str | None = None
    ) -> list[dict[str, Any]]:
        """Move rows into the fine topic `topic`, or into a new fine topic named `label` (exactly one); needs edit
        rights. Returns the new topic tree."""
        body: dict[str, Any] = {"rows": [int(r) for r in rows]}
        body |= {"topic": topic} if topic is not None else {"label": label}
        tree: list[dict[str, Any]] = self._call("POST", "/topics/move-rows", json=body).json()
        self._picture = None
        return tree

    def explain(self, rows: Sequence[int] | None = None, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        """What sets some rows apart from the rest of the map: row ids, or the rows a query filter keeps (e.g.
        {"topic": 12}), exactly one. Returns {"rows", "words": [{"term", "score", "rows", "share",
        "share_elsewhere"}], "columns": [{"column", "kind", "effect", ...}]}."""
        if (rows is None) == (filters is None):
            raise ValueError("say which rows: explain(rows=[1, 2, 3]) or explain(filters={'topic': 12})")
        body = {"rows": [int(r) for r in rows]} if rows is not None else {"filters": filters}
        explained: dict[str, Any] = self._call("POST", "/explain", json=body).json()
        return explained

    def classify(
        self,
        label_field: str | None = None,
        tags: Sequence[int] | None = None,
        column: str | None = None,
        wait: bool = True,
        timeout: float = 600.0,
    ) -> dict[str, Any]:
        """Learn the classes of a label column (or of two tags or more) from the labelled rows' embeddings, and
        predict every other row into a new column (`column`, default `<label_field>_predicted`) with a
        `<column>_confidence` beside it; needs edit rights. Returns the classification ({"id", "status", "cv":
        {"accuracy", "macro_f1", "folds", "rows"}, "classes", "column", ...}), once done with wait=True (raises
        AtlasError if it failed)."""
        if (label_field is None) == (tags is None):
            raise ValueError("say what to learn from: classify(label_field='kind') or classify(tags=[3, 4])")
        body: dict[str, Any] = {"label_field": label_field} if label_field is not None else {"tags": list(tags or [])}
        if column is not None:
            body["column"] = column
        made: dict[str, Any] = self._call("POST", "/classifications", json=body).json()
        if not wait:
            return made
        deadline = time.monotonic() + timeout
        while made["status"] in ("queued", "running"):
            if time.monotonic() > deadline:
                raise AtlasError(f"the classification {made['id']} is still {made['status']} after {timeout:.0f} s")
            time.sleep(0.5)
            made = self.classification(made["id"])
        if made["status"] != "ready":
            raise AtlasError(f"the classification {made['id']} failed: {made.get('error') or ''}".rstrip(": "))
        return made

    def classification(self, classification_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self._call("GET", f"/classifications/{classification_id}").json()
        return found

    def classifications(self) -> list[dict[str, Any]]:
        """The map's classifications, newest first."""
        found: list[dict[str, Any]] = self._call("GET", "/classifications").json()
        return found

    def tag_predictions(self, classification_id: str, min_confidence: float = 0.9) -> dict[str, Any]:
        """Tag every row predicted with at least `min_confidence` with its class's tag (made when missing).
        Returns {"min_confidence", "rows", "tags": [{"id", "name", "colour", "added"}]}."""
        body = {"min_confidence": min_confidence}
        tagged: dict[str, Any] = self._call("POST", f"/classifications/{classification_id}/tags", json=body).json()
        return tagged

    def remove_classification(self, classification_id: str) -> None:
        """Remove a classification and its two columns from every row."""
        self._call("DELETE", f"/classifications/{classification_id}")

    def _call(self, method: str, path: str, **request: Any) -> httpx.Response:
        """One request to this dataset's API (path after /api/v1/datasets/<id>); a refusal raises AtlasError."""
        url = f"{self.base_url}/api/v1/datasets/{self.id}{path}"
        headers = {**auth_headers(self.api_key), **request.pop("headers", {})}
        response = httpx.request(method, url, timeout=self.timeout, headers=headers, **request)
        if response.status_code >= 400:
            raise refusal(response)
        return response

    def _repr_html_(self) -> str:
        """In a notebook: the map's name, state and size, a picture of the map (its points in their topics'
        colours, the broad topics named) when it is ready, and a link that opens it."""
        name = html.escape(str(self.summary.get("name") or self.id))
        rows, topics = self.summary.get("rows"), self.summary.get("topics")
        size = f"{rows:,} rows, {topics:,} topics" if isinstance(rows, int) and isinstance(topics, int) else ""
        facts = " · ".join(part for part in (html.escape(self.status), size) if part)
        url = html.escape(self.map_url, quote=True)
        shown = self.picture() if self.status == "ready" else ""
        return (
            f'<div class="atlas-map"><strong>{name}</strong> <span>({facts})</span><br>'
            f'<a href="{url}" target="_blank" rel="noopener">{shown or "Open the map"}</a><br><code>{url}</code></div>'
        )

    def picture(self) -> str:
        """The ready map drawn as an HTML picture (fetched once, then kept); "" without pyarrow to read the
        points (the `dataframes` extra) or when the server cannot be read, so the card still shows."""
        if self._picture is None:
            try:
                self._picture = self._draw()
            except (ImportError, httpx.HTTPError, AtlasError):
                self._picture = ""
        return self._picture

    def _draw(self) -> str:
        import pyarrow as pa

        points = self._call("GET", "/points", headers={"Accept": ARROW})
        tree = self._call("GET", "/topics")
        table = pa.ipc.open_stream(points.content).read_all()
        x, y, topic = (table.column(name).to_numpy() for name in ("x", "y", "topic"))
        broad = [t for t in tree.json() if t.get("level") == "broad"]
        alt = f"The map {self.summary.get('name') or self.id}: {len(x):,} points coloured by topic"
        return labelled_picture(x, y, topic, broad, alt)

    def refresh(self) -> "AtlasDataset":
        self.summary = self._call("GET", "").json()
        self._picture = None  # a rebuilt map looks different
        return self

    def wait(self, timeout: float = 3600.0, poll: float = 1.0, progress: bool = True) -> "AtlasDataset":
        """Poll until the build ends; raises AtlasError with the server's message if it failed."""
        deadline = time.monotonic() + timeout
        bar = _bar(progress)
        try:
            while self.refresh().status not in FINISHED:
                if bar is not None:
                    state = self.summary.get("progress") or {}
                    bar.set_description(str(state.get("stage") or self.status))
                    bar.total = state.get("total") or None
                    bar.n = state.get("done") or 0
                    bar.refresh()
                if time.monotonic() > deadline:
                    raise AtlasError(f"the build of {self.id} is still {self.status} after {timeout:.0f} s")
                time.sleep(poll)
        finally:
            if bar is not None:
                bar.close()
        if self.status != "ready":
            error = (self.summary.get("error") or {}).get("message", "")
            raise AtlasError(f"the build of {self.id} ended {self.status}: {error}".rstrip(": "))
        return self


def _bar(show: bool) -> Any:
    if not show:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=None, unit="row", desc="queued")


def map_data(
    data: Any,
    text_field: str | None = None,
    text_template: str | None = None,
    id_field: str | None = None,
    name: str = "",
    base_url: str | None = None,
    wait: bool = True,
    progress: bool = True,
    timeout: float = 3600.0,
    api_key: str | None = None,
    *,
    text: str | None = None,
) -> AtlasDataset:
    """Upload data (a pandas DataFrame, a pyarrow Table, or a path to CSV/JSON/Parquet/...) and build its
    map; with wait=True return once it is ready, with a progress bar. `.map_url` is the map's address,
    `.to_pandas()` its rows with their places and topics; in a notebook the map shows as a link.

    text: the column to embed (the same as text_field)."""
    if text is not None and text_field is not None and text != text_field:
        raise ValueError(f"text={text!r} and text_field={text_field!r} disagree; pass one of them")
    text_field = text_field or text
    dataset = AtlasDataset.upload(data, name, text_field, text_template, id_field, base_url, api_key=api_key)
    return dataset.wait(timeout=timeout, progress=progress) if wait else dataset
