"""The map API's request schemas (uploads, layout, search, tags, export) and its answers. Each field is typed
and bounded here; the rules that need the dataset or the settings (a column that must exist, layout ranges)
stay with the code that applies them. The same classes make the OpenAPI document."""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Annotated, Any, Literal

import numpy as np
from django.conf import settings
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from atlas.schemas import MAX_INTEGER, RowId, Text, check
from maps import filters
from maps.models import EMBEDDING_DIMENSIONS

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
EXPORT_FORMATS = ("csv", "parquet")
# A million row ids as JSON is about 8 MB, over Django's general body limit; these bodies are only ids.
ROWS_BODY_LIMIT = 32 * 1024 * 1024


def _blank_is_none(value: Any) -> Any:
    """A form sends an empty field for 'not given'."""
    return None if value == "" else value


BlankIsNone = BeforeValidator(_blank_is_none)
OptionalInt = Annotated[int | None, BlankIsNone]
OptionalFloat = Annotated[float | None, BlankIsNone]


# The range of passage_tokens a map may ask for; the model's window caps it when rows are embedded.
PASSAGE_TOKENS = (16, 8192)

# A column name as a form names it: the dataset's own column names are checked when its file is read.
ColumnName = Annotated[Text, Field(max_length=200)]


class LayoutFields(BaseModel):
    """A map's layout and topic parameters; the ranges are checked by maps.layout, with the defaults."""

    model_config = ConfigDict(extra="ignore")

    n_neighbors: OptionalInt = Field(None, description="UMAP's neighbours, 2 to 200.")
    min_dist: OptionalFloat = Field(None, description="UMAP's min_dist, 0 to 1.")
    metric: Annotated[Literal["cosine", "euclidean"] | None, BlankIsNone] = None
    sample_size: OptionalInt = Field(None, description="0 fits UMAP on every row; otherwise at least 1000 rows.")
    min_cluster_size: OptionalInt = Field(
        None, description="0 picks one from the number of rows; otherwise 2 to 100000."
    )

    def given(self) -> dict[str, Any]:
        return {key: value for key, value in self.model_dump().items() if value is not None}


class ReadFields(BaseModel):
    """How to read the file; left out, Atlas finds out. Checked by maps.uploads.parse_choices."""

    delimiter: Text = Field("", max_length=20, description="One character, or tab/comma/semicolon/pipe/space.")
    quote: Text = Field("", max_length=20, description="One character.")
    has_header: Text = Field("", max_length=20, description="1 if the first row names the columns, 0 if it is data.")
    bad_rows: Text = Field("", max_length=20, description="abort (the default) or skip.")


class UploadFields(LayoutFields, ReadFields):
    """The fields of a new map: form fields beside the file, or query parameters beside a raw body."""

    name: Text = Field("", max_length=200, description="The map's name; the file's name when left out.")
    workspace: Text = Field("", max_length=100, description="A workspace id; your personal one when left out.")
    text_field: ColumnName = Field("", description="The column to embed.")
    text_template: Text = Field("", max_length=2000, description="A template such as '{title}: {summary}'.")
    id_field: ColumnName = Field("", description="A column of unique ids.")
    vector_field: ColumnName = Field("", description="A column of precomputed vectors (skips embedding).")
    label_field: ColumnName = Field("", description="A column of labels to colour by.")
    filename: Text = Field("", max_length=255, description="The file's name, when the body is the file itself.")
    retry_of: Text = Field(
        "",
        max_length=100,
        description=(
            "Fix and retry: the id of a failed or cancelled map of yours. Without a file its stored file is used "
            "again; once the new map is queued, the failed one is deleted."
        ),
    )
    passage_tokens: OptionalInt = Field(
        None,
        description=(
            f"Cut each row's text into passages of at most this many tokens ({PASSAGE_TOKENS[0]} to "
            f"{PASSAGE_TOKENS[1]}; the model's window at most), embed and search every passage, and answer "
            "each row with its best one. Left out or 0: one vector per row."
        ),
    )
    passage_overlap: OptionalInt = Field(
        None, description="Tokens each passage repeats of the one before; less than passage_tokens. Default: 1/8 of it."
    )

    @model_validator(mode="after")
    def passages_fit(self) -> UploadFields:
        tokens, overlap = self.passage_tokens or 0, self.passage_overlap
        if tokens and not PASSAGE_TOKENS[0] <= tokens <= PASSAGE_TOKENS[1]:
            raise check(
                f"passage_tokens={tokens} is out of range; send {PASSAGE_TOKENS[0]} to {PASSAGE_TOKENS[1]} (tokens "
                "per passage), or 0 for one vector per row."
            )
        if tokens and self.vector_field:
            raise check(
                f"passage_tokens={tokens} asks to embed passages, but vector_field={self.vector_field!r} brings each "
                "row's vector: send one of them."
            )
        if overlap is not None and not tokens:
            raise check("passage_overlap needs passage_tokens: send both, or neither for one vector per row.")
        if overlap is not None and not 0 <= overlap < tokens:
            raise check(f"passage_overlap={overlap} must be at least 0 and less than passage_tokens ({tokens}).")
        return self

    def passage_settings(self) -> tuple[int, int]:
        """(tokens, overlap); (0, 0) for one vector per row."""
        tokens = self.passage_tokens or 0
        return tokens, (self.passage_overlap if self.passage_overlap is not None else tokens // 8)


class AppendParams(BaseModel):
    filename: Text = Field("", max_length=255, description="The file's name, when the body is the file itself.")


class PreviewFields(ReadFields):
    partial: bool = Field(False, description="The file is only the first part of a larger one.")
    retry_of: Text = Field(
        "", max_length=100, description="Without a file: preview the stored file of this failed or cancelled map."
    )


class DatasetChanges(BaseModel):
    """PATCH /api/v1/datasets/<id>: what to change; fields left out stay."""

    name: Text | None = Field(None, description="The map's new name, 1 to 200 characters.")
    workspace: Text | None = Field(None, max_length=100, description="The id of a workspace you may edit.")

    @field_validator("name")
    @classmethod
    def named(cls, name: str | None) -> str | None:
        if name is None:
            return None
        return stripped_name(name, "name", 200, 'send {"name": "My map"}, 1 to 200 characters.')


class SearchParams(BaseModel):
    q: Text = Field("", max_length=2000, description="The query (semantic and keyword modes).")
    k: int = Field(10, ge=1, description=f"How many results: 1 to {settings.SEARCH_MAX_K}.")
    mode: Literal["semantic", "keyword", "similar"] = "semantic"
    threshold: float | None = Field(None, description="Leave out hits scoring below this, e.g. 0.3.")
    row: Annotated[int | None, Field(ge=0, le=MAX_INTEGER)] = Field(None, description="The row 'similar' starts from.")

    @field_validator("k")
    @classmethod
    def k_in_range(cls, k: int) -> int:
        return _k_at_most_max(k)

    @field_validator("threshold")
    @classmethod
    def finite(cls, threshold: float | None) -> float | None:
        if threshold is not None and not math.isfinite(threshold):
            raise check("threshold={threshold} is not a finite number; pass the lowest score to keep, e.g. 0.3.")
        return threshold

    @model_validator(mode="after")
    def similar_has_row(self) -> SearchParams:
        if self.mode == "similar" and self.row is None:
            raise check("mode=similar needs row=<row id>: the row whose nearest neighbours to return.")
        return self


class NeighborParams(BaseModel):
    k: int = Field(10, ge=1, description=f"How many results: 1 to {settings.SEARCH_MAX_K}.")

    @field_validator("k")
    @classmethod
    def k_in_range(cls, k: int) -> int:
        return _k_at_most_max(k)


def stripped_name(name: str, what: str, longest: int, example: str) -> str:
    """A name without its surrounding spaces, neither empty nor longer than `longest`."""
    name = name.strip()
    if not name:
        raise check(f"name is empty: {example}")
    if len(name) > longest:
        raise check(f"The {what} has {len(name)} characters; use at most {longest}.")
    return name


def _k_at_most_max(k: int) -> int:
    if k > settings.SEARCH_MAX_K:
        raise check(f"k={k} is out of range; ask for 1 to {settings.SEARCH_MAX_K} results.")
    return k


class NewTag(BaseModel):
    name: Text = Field(description="1 to 100 characters.", examples=["to review"])
    colour: Text = Field("#e4572e", description="A hex colour.", examples=["#e4572e"])

    @field_validator("name")
    @classmethod
    def stripped_name(cls, name: str) -> str:
        return stripped_name(name, "tag name", 100, 'send {"name": "to review", "colour": "#e4572e"}.')

    @field_validator("colour")
    @classmethod
    def hex_colour(cls, colour: str) -> str:
        if not COLOUR.match(colour):
            raise check(f"colour must be a hex colour like #e4572e, not {colour[:20]!r}.")
        return colour.lower()


class RowIds(BaseModel):
    rows: list[RowId] = Field(description="Row ids, as the /points payload carries them.", examples=[[1, 2, 3]])

    def unique(self) -> list[int]:
        """The ids, duplicates dropped, order kept."""
        return list(dict.fromkeys(self.rows))


class ExportRequest(RowIds):
    format: Literal["csv", "parquet"] = "csv"
    spreadsheet: bool = Field(
        default=False,
        description=(
            "CSV for a spreadsheet: a cell that starts with = + - @, a tab or a carriage return gets a leading "
            "apostrophe, so the spreadsheet shows it as text instead of running it; the X-Atlas-Neutralised-Cells "
            "header says how many. Off: every value as stored. Parquet is never altered."
        ),
    )

    @model_validator(mode="after")
    def _spreadsheet_is_csv(self) -> ExportRequest:
        if self.spreadsheet and self.format != "csv":
            raise check("spreadsheet applies to CSV only (Parquet keeps every value as it is); send format=csv.")
        return self


MAX_FIELDS = 1000


def _filter(value: Any) -> filters.Filter | None:
    if value is None:
        return None
    try:
        return filters.parse(value)
    except filters.InvalidFilter as error:
        raise check(error.message) from None


def _vector(value: Any) -> list[float] | None:
    """A vector as a list of numbers or as base64 of its little-endian float32 bytes (OpenAI's encoding)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise check("vector is text but not base64; send a list of numbers or base64 float32 bytes.") from None
        if len(raw) % 4:
            raise check(f"vector is {len(raw)} bytes, not a whole number of float32 values.")
        numbers = [float(v) for v in np.frombuffer(raw, dtype="<f4")]
    elif isinstance(value, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        numbers = [float(v) for v in value]
    else:
        raise check("vector must be a list of numbers, or base64 of float32 bytes.")
    if len(numbers) != EMBEDDING_DIMENSIONS:
        raise check(f"vector has {len(numbers)} numbers; this map's model embeds in {EMBEDDING_DIMENSIONS} dimensions.")
    if not all(math.isfinite(v) for v in numbers):
        raise check("vector holds a value that is not a finite number.")
    if not any(numbers):
        raise check("vector is all zeros, which has no direction to compare by.")
    return numbers


FilterField = Annotated[Any, BeforeValidator(_filter), WithJsonSchema(filters.JSON_SCHEMA)]
VectorField = Annotated[
    Any,
    BeforeValidator(_vector),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "array", "items": {"type": "number"}},
                {"type": "string", "description": "base64 of little-endian float32 bytes"},
            ]
        }
    ),
]


class QueryRequest(BaseModel):
    """POST /query: what to look for (exactly one of query, vector and row), how, and within which rows."""

    model_config = ConfigDict(extra="forbid")

    query: Text | None = Field(None, description="Text: embedded for meaning, or matched as words.")
    vector: VectorField = Field(None, description="A vector in the map's model space.")
    row: RowId | None = Field(None, description="A row id: the rows like it, itself left out.")
    k: int = Field(10, ge=1, description=f"How many results: 1 to {settings.SEARCH_MAX_K}.")
    mode: Literal["semantic", "keyword", "hybrid"] | None = Field(
        None,
        description=(
            "semantic: by meaning; keyword: by words; hybrid: both ranks fused. Left out: hybrid for a text "
            "query (it finds the answer more often; docs/BENCHMARKS.md), semantic for a vector or a row."
        ),
    )
    filters: FilterField = Field(None, examples=[{"column": "year", "op": ">=", "value": 2020}])
    fields: list[Text] | None = Field(None, description="The columns each hit carries; all when left out.")
    threshold: float | None = Field(
        None,
        description=(
            "Hits scoring below it are left out. Scores are cosine similarities in semantic mode, ts_rank "
            "values in keyword mode and fused rank scores in hybrid mode."
        ),
    )

    @field_validator("k")
    @classmethod
    def k_in_range(cls, k: int) -> int:
        return _k_at_most_max(k)

    @field_validator("fields")
    @classmethod
    def few_fields(cls, names: list[str] | None) -> list[str] | None:
        if names is not None and len(names) > MAX_FIELDS:
            raise check(f"fields names {len(names)} columns; name at most {MAX_FIELDS}.")
        return names

    @model_validator(mode="after")
    def one_thing_to_look_for(self) -> QueryRequest:
        given = [name for name in ("query", "vector", "row") if getattr(self, name) is not None]
        if len(given) != 1:
            raise check(
                "Send exactly one of query (text), vector or row (a row id) to look for"
                + (f"; this request sends {' and '.join(given)}." if given else ".")
            )
        if self.mode not in (None, "semantic") and self.query is None:
            raise check(f"mode={self.mode} matches words, so it needs query (text), not vector or row.")
        return self

    @property
    def chosen_mode(self) -> str:
        """The mode asked for, or the default for what is looked for."""
        return self.mode or ("hybrid" if self.query is not None else "semantic")


# Answers. Each names the fields clients read; an answer may carry more (the API extends, never renames).


class Progress(BaseModel):
    stage: str
    done: int
    total: int = Field(description="Rows the stage works through; 0 when it cannot count them (an honest unknown).")
    elapsed_s: float | None = Field(None, description="Seconds the current stage has run; null when no job runs.")
    remaining_s: float | None = Field(
        None, description="Estimated seconds until the job is done, from past builds' costs per row; null: unknown."
    )


class Failure(BaseModel):
    message: str


class PassageSettings(BaseModel):
    tokens: int = Field(description="The most tokens of one passage (the model's window at most).")
    overlap: int = Field(description="Tokens each passage repeats of the one before.")


class DatasetAnswer(BaseModel):
    """A map's state: what it was built from, how far its build is, and what it holds once ready."""

    id: str
    name: str
    status: Literal["queued", "running", "ready", "failed", "cancelled"]
    progress: Progress
    error: Failure | None = Field(description="Why the build failed; null unless status is failed.")
    warnings: list[str]
    rows: int | None = Field(description="Rows in the map; null until the first build finishes.")
    topics: int | None
    text_field: str
    text_template: str
    id_field: str
    vector_field: str
    label_field: str
    layout: dict[str, Any]
    columns: list[str]
    read_options: dict[str, Any]
    model: str
    timings: dict[str, Any]
    quality: dict[str, Any] | None
    created_at: str
    url: str
    workspace: str | None
    visibility: str
    passages: PassageSettings | None = Field(description="How rows are cut into passages; null: one vector per row.")
    filename: str = Field(description="The uploaded file's name.")


class DatasetList(BaseModel):
    datasets: list[DatasetAnswer]


class Created(BaseModel):
    id: str
    status: str
    url: str = Field(description="The map's page.")


class Row(BaseModel):
    id: int = Field(description="The row's position in the table.")
    key: Any = Field(description="The row's value in the id column; null without one.")
    text: str
    fields: dict[str, Any]
    topic: int | None


class TopicAnswer(BaseModel):
    id: int
    label: str
    edited: bool = Field(description="An editor named it (PATCH .../topics/<id>); else its rows' words did.")
    size: int
    parent: int | None
    level: str
    keywords: list[Any]
    representatives: list[Any]
    x: float
    y: float


class PassageAnswer(BaseModel):
    number: int = Field(description="Its order within the row, from 0.")
    start: int = Field(description="Where it starts in the row's text, in characters.")
    end: int = Field(description="Where it ends (exclusive).")
    text: str


class Hit(BaseModel):
    id: int
    key: Any = Field(None, description="The row's value in the id column; null without one.")
    score: float
    text: str
    fields: dict[str, Any]
    topic: int | None = None
    passage: PassageAnswer | None = Field(
        None, description="Passage maps only: the row's passage that best matches the query."
    )


class Hits(BaseModel):
    results: list[Hit] = Field(description="Best first.")


class SearchAnswer(Hits):
    mode: Literal["semantic", "keyword", "similar"]


class QueryAnswer(Hits):
    mode: Literal["semantic", "keyword", "hybrid"]


class TagAnswer(BaseModel):
    id: int
    name: str
    colour: str
    count: int = Field(description="How many rows carry the tag.")


class TagList(BaseModel):
    tags: list[TagAnswer]


class TaggedRows(BaseModel):
    rows: list[int]


class Added(BaseModel):
    added: int


class Removed(BaseModel):
    removed: int


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    ready: bool
    checks: list[str]


class NewShareLink(BaseModel):
    label: Text = Field("", max_length=200, description="Who or what the link is for, shown in the list.")
    expires_in_days: int | None = Field(
        None, ge=1, le=3650, description="Days until the link stops working; null: it works until revoked."
    )


class ShareLinkAnswer(BaseModel):
    id: str
    prefix: str = Field(description="The secret's first characters, to tell links apart.")
    label: str
    created_at: str
    expires_at: str | None
    revoked: bool


class NewShareLinkAnswer(ShareLinkAnswer):
    url: str = Field(description="The link itself, shown only now; add a view's query string to open that view.")


class ShareLinkList(BaseModel):
    links: list[ShareLinkAnswer]


class TableRequest(BaseModel):
    rows: list[RowId] | None = Field(
        None, description="The rows to page through (those lit on the map); null: every row of the map."
    )
    sort: Text = Field("row_id", max_length=200, description="row_id, text, topic or a column of the file.")
    descending: bool = False
    offset: int = Field(0, ge=0, le=MAX_INTEGER, description="How many rows of the sorted list to skip.")
    limit: int = Field(50, ge=1, le=500, description="How many rows to answer: 1 to 500.")


class TableRow(BaseModel):
    id: int
    key: Any = Field(description="The row's value in the id column; null without one.")
    text: str
    topic: int | None
    fields: dict[str, Any]


class TableAnswer(BaseModel):
    total: int = Field(description="How many rows the request pages through.")
    rows: list[TableRow]
