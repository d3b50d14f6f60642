"""The request and answer schemas of the curation routes: topic names, merges and row moves, explaining rows,
duplicates."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from atlas.schemas import MAX_INTEGER, RowId, Text, check
from maps import duplicates
from maps.schemas import FilterField, stripped_name


class ExplainRequest(BaseModel):
    """POST /api/v1/datasets/<id>/explain: the rows to explain, as row ids or as a query filter (exactly one)."""

    model_config = ConfigDict(extra="forbid")

    rows: list[RowId] | None = Field(
        None, description="Row ids (a selection), as many as the body holds.", examples=[[1, 2, 3]]
    )
    filters: FilterField = Field(
        None,
        description='Or the rows a query filter keeps: a topic as {"topic": 12}, or any filter of POST .../query.',
        examples=[{"topic": 12}],
    )

    @model_validator(mode="after")
    def _one_way(self) -> ExplainRequest:
        if (self.rows is None) == (self.filters is None):
            raise check(
                'Send exactly one of rows (row ids) or filters (a query filter), e.g. {"rows": [1, 2, 3]} or '
                '{"filters": {"topic": 12}}.'
            )
        return self


class ExplainedWord(BaseModel):
    term: str = Field(description="A word or a two-word phrase (stop words left out).")
    score: float = Field(
        description="Its class-based TF-IDF weight in the rows against the rest; higher sets apart more."
    )
    rows: int = Field(description="How many of the rows hold it (estimated from a sample in very large sets).")
    share: float = Field(description="The share of the rows holding it, 0 to 1.")
    share_elsewhere: float = Field(description="The share of the map's other rows holding it.")


class ExplainedValue(BaseModel):
    value: str | None = Field(description="A category's value, as text (null: the rows without one).")
    rows: int = Field(description="How many of the rows hold it.")
    share: float = Field(description="Its share of the rows, 0 to 1.")
    share_elsewhere: float = Field(description="Its share of the map's other rows.")


class ExplainedColumn(BaseModel):
    column: str
    kind: Literal["category", "number", "date"]
    effect: float = Field(
        description=(
            "How much the column differs inside: for a category, half the summed differences of its values' "
            "shares (0 to 1); for a number or a date, the median's move in interquartile ranges of the map."
        )
    )
    values: list[ExplainedValue] | None = Field(None, description="A category's over-represented values, most first.")
    median: float | None = Field(None, description="A number's median inside (a date's, in epoch milliseconds).")
    median_elsewhere: float | None = Field(None, description="Its median in the rest of the map.")


class ExplainAnswer(BaseModel):
    rows: int = Field(description="How many rows the filter keeps.")
    words: list[ExplainedWord]
    columns: list[ExplainedColumn]


class DuplicatesParams(BaseModel):
    threshold: float = Field(
        duplicates.DEFAULT_THRESHOLD,
        ge=duplicates.FLOOR,
        le=1.0,
        description=f"The lowest cosine similarity of a near-duplicate pair, {duplicates.FLOOR} to 1.",
    )


class DuplicateGroup(BaseModel):
    rows: list[int] = Field(description="Its row ids, ascending.")
    representative: int = Field(description="The row linked to most others in the group (ties: the lowest id).")
    text: str = Field(description="The representative's text, its first 200 characters.")
    exact: bool = Field(description="Every row has the same text (lower-cased, runs of spaces as one).")


class DuplicatesAnswer(BaseModel):
    threshold: float
    searched: bool = Field(
        description="Near duplicates were looked for (false on maps laid out before: exact duplicates only)."
    )
    groups: list[DuplicateGroup] = Field(description="Largest first.")


class TopicChanges(BaseModel):
    """PATCH /api/v1/datasets/<id>/topics/<topic_id>: what to change."""

    model_config = ConfigDict(extra="forbid")

    label: Text = Field(description="The topic's new name, 1 to 200 characters.")

    @field_validator("label")
    @classmethod
    def named(cls, label: str) -> str:
        return stripped_name(label, "topic name", 200, 'send {"label": "HTTP clients"}, 1 to 200 characters.')


class TopicMerge(BaseModel):
    """POST /api/v1/datasets/<id>/topics/merge."""

    model_config = ConfigDict(extra="forbid")

    into: int = Field(ge=0, le=MAX_INTEGER, description="The topic that takes the others in; it keeps its name.")
    topics: list[Annotated[int, Field(ge=0, le=MAX_INTEGER)]] = Field(
        min_length=1, max_length=1000, description="The topics merged into it, of its level.", examples=[[3, 4]]
    )


class RowsMove(BaseModel):
    """POST /api/v1/datasets/<id>/topics/move-rows: rows into a fine topic, or into a new one named `label`."""

    model_config = ConfigDict(extra="forbid")

    rows: list[RowId] = Field(min_length=1, description="The rows to move.", examples=[[1, 2, 3]])
    topic: Annotated[int | None, Field(ge=0, le=MAX_INTEGER)] = Field(
        None, description="The fine topic they join; leave out for a new topic named `label`."
    )
    label: Text | None = Field(None, description="The new topic's name, 1 to 200 characters.")

    @field_validator("label")
    @classmethod
    def named(cls, label: str | None) -> str | None:
        if label is None:
            return None
        return stripped_name(label, "topic name", 200, 'send {"rows": [1, 2], "label": "My topic"}.')

    @model_validator(mode="after")
    def _one_place(self) -> RowsMove:
        if (self.topic is None) == (self.label is None):
            raise check("Send exactly one of topic (an existing fine topic) or label (a new topic's name).")
        return self


class TopicSplit(BaseModel):
    """POST /api/v1/datasets/<id>/topics/<topic_id>/split."""

    model_config = ConfigDict(extra="forbid")

    parts: Annotated[int | None, Field(ge=2, le=20)] = Field(
        None, description="How many parts (2 to 20, k-means on the map); leave out for as many as HDBSCAN finds."
    )


class NamingQueued(BaseModel):
    topic: int
    status: Literal["queued"]
