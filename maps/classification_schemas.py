"""The request and answer schemas of classification from examples (/api/v1/datasets/<id>/classifications)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from atlas.schemas import MAX_INTEGER, Text, check
from maps.schemas import stripped_name


class ClassificationRequest(BaseModel):
    """POST .../classifications: the training labels, as a column or as tags (exactly one)."""

    model_config = ConfigDict(extra="forbid")

    label_field: Text | None = Field(
        None, description="A column of labels: rows with a value teach, rows without one are predicted."
    )
    tags: list[Annotated[int, Field(ge=1, le=MAX_INTEGER)]] | None = Field(
        None,
        max_length=100,
        description="Or two tags or more: each is a class, rows with none of them are predicted.",
        examples=[[3, 4]],
    )
    column: Text | None = Field(
        None,
        description="The prediction column's name; default `<label_field>_predicted` (`tag_predicted`). "
        "The confidences go beside it, in `<column>_confidence`.",
    )

    @field_validator("column")
    @classmethod
    def named(cls, column: str | None) -> str | None:
        if column is None:
            return None
        return stripped_name(column, "column", 180, 'send {"label_field": "kind", "column": "kind_guess"}.')

    @model_validator(mode="after")
    def _one_source(self) -> ClassificationRequest:
        if (self.label_field is None) == (self.tags is None):
            raise check('Send exactly one of label_field (a column) or tags (tag ids), e.g. {"label_field": "kind"}.')
        return self


class CrossValidation(BaseModel):
    accuracy: float = Field(description="The share of labelled rows the held-out folds got right.")
    macro_f1: float = Field(description="F1 averaged over the classes, each counting the same.")
    folds: int = Field(description="Stratified folds: 5 (a class with fewer rows is missing from some of them).")
    rows: int = Field(description="Labelled rows scored: all of them, or a sample of 50,000 that keeps every class.")


class ClassificationAnswer(BaseModel):
    id: str
    status: Literal["queued", "running", "ready", "failed"]
    label_field: str | None = Field(description="The column of training labels (null: tags).")
    tags: list[int] | None = Field(description="The tags learned from (null: a column).")
    column: str = Field(description="The prediction column, listed in .../columns once ready.")
    confidence_column: str = Field(description="The number column beside it: each prediction's probability, 0 to 1.")
    cv: CrossValidation | None = Field(description="Cross-validation on the labelled rows, once ready.")
    classes: dict[str, int] = Field(description="Each class learned and its labelled rows, most first.")
    predicted: int | None = Field(description="Rows given a prediction (those without a label).")
    warnings: list[str] = Field(description="Classes left out for too few rows, a sample used.")
    error: str | None = Field(description="Why it failed.")
    created_at: str
    finished_at: str | None


class TagPredictions(BaseModel):
    """POST .../classifications/<id>/tags: tag every row predicted with at least this confidence."""

    model_config = ConfigDict(extra="forbid")

    min_confidence: float = Field(0.9, ge=0.0, le=1.0, description="The lowest confidence tagged, 0 to 1.")


class PredictionTag(BaseModel):
    id: int
    name: str
    colour: str
    added: int = Field(description="Rows that gained the tag.")


class TaggedPredictions(BaseModel):
    min_confidence: float
    rows: int = Field(description="Rows predicted with at least min_confidence.")
    tags: list[PredictionTag] = Field(description="One per predicted class, largest first: its tag.")
