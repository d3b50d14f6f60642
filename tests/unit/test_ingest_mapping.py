"""Text templates, id columns and precomputed vectors: what a build embeds, checked on every row."""

import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from maps.models import EMBEDDING_DIMENSIONS
from tables.errors import BadIdColumn, BadTemplate, BadVectors, BuildError, ColumnNotFound
from tables.mapping import parse_template
from tables.reader import VECTOR_DIMENSIONS, Limits, RowMapping, preview, read_dataset


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_a_template_joins_columns_into_each_rows_text_and_keeps_every_column(tmp_path: Path) -> None:
    path = write(tmp_path, "papers.csv", "title,body,year\nMaps,Of text,2020\nGraphs,,2021\n")
    result = read_dataset(path, "papers.csv", RowMapping(text_template="{title} — {body} ({year})"), Limits())
    assert result.texts == ["Maps — Of text (2020)", "Graphs —  (2021)"]
    assert result.records[0] == {"title": "Maps", "body": "Of text", "year": 2020}
    assert result.vectors is None


def test_doubled_braces_in_a_template_are_literal_braces() -> None:
    assert parse_template("{{x}} {a b}}}") == [("{x} ", False), ("a b", True), ("}", False)]


@pytest.mark.parametrize(
    ("template", "error", "message_part"),
    [
        ("{title — {body}", BadTemplate, "'{' at character 1 that is never closed"),
        ("{title} — body}", BadTemplate, "'}' at character 15 with no '{' before it"),
        ("{title", BadTemplate, "never closed"),
        ("{} and {title}", BadTemplate, "empty {} at character 1"),
        ("just words", BadTemplate, "names no column"),
        ("{title} {summary}", ColumnNotFound, "column 'summary' is not in papers.csv; its columns are: title, body"),
    ],
)
def test_a_bad_template_is_refused_with_where_and_how_to_fix(
    tmp_path: Path, template: str, error: type[BuildError], message_part: str
) -> None:
    path = write(tmp_path, "papers.csv", "title,body\nMaps,Of text\n")
    with pytest.raises(error) as raised:
        read_dataset(path, "papers.csv", RowMapping(text_template=template), Limits())
    assert message_part in raised.value.message


@pytest.mark.parametrize(
    ("content", "message_part"),
    [
        ("id,text\n7,a\n8,b\n7,c\n9,d\n8,e\n", "repeats '7' in row 2, row 4; '8' in row 3, row 6"),
        ("id,text\n7,a\n,b\n9,c\n", "is empty in row 3"),
    ],
)
def test_an_id_column_with_repeated_or_empty_values_names_the_rows(
    tmp_path: Path, content: str, message_part: str
) -> None:
    path = write(tmp_path, "docs.csv", content)
    with pytest.raises(BadIdColumn) as raised:
        read_dataset(path, "docs.csv", RowMapping(text_field="text", id_field="id"), Limits())
    assert message_part in raised.value.message and "'id'" in raised.value.message


def test_a_repeated_id_in_a_json_lines_file_is_named_by_its_line(tmp_path: Path) -> None:
    lines = [json.dumps({"key": k, "text": t}) for k, t in [("a", "x"), ("b", "y"), ("a", "z")]]
    path = write(tmp_path, "docs.jsonl", "\n".join(lines) + "\n")
    with pytest.raises(BadIdColumn) as raised:
        read_dataset(path, "docs.jsonl", RowMapping(text_field="text", id_field="key"), Limits())
    assert "'a' in line 1, line 3" in raised.value.message


def test_unique_ids_are_kept_as_typed_fields(tmp_path: Path) -> None:
    path = write(tmp_path, "docs.csv", "id,text\n7,a\n8,b\n")
    result = read_dataset(path, "docs.csv", RowMapping(text_field="text", id_field="id"), Limits())
    assert [r["id"] for r in result.records] == [7, 8]


def vectors_parquet(rows: list[list[float]]) -> bytes:
    sink = io.BytesIO()
    table = pa.table({"text": [f"row {i}" for i in range(len(rows))], "vec": pa.array(rows, pa.list_(pa.float32()))})
    pq.write_table(table, sink)
    return sink.getvalue()


def test_a_parquet_list_of_floats_column_becomes_the_vectors_and_leaves_the_fields(tmp_path: Path) -> None:
    rows = np.random.default_rng(0).normal(size=(3, 384)).astype(np.float32)
    path = write(tmp_path, "vecs.parquet", vectors_parquet(rows.tolist()))
    result = read_dataset(path, "vecs.parquet", RowMapping(text_field="text", vector_field="vec"), Limits())
    assert result.vectors is not None and result.vectors.shape == (3, 384)
    assert np.allclose(result.vectors, rows)
    assert result.records[0] == {"text": "row 0"}


@pytest.mark.parametrize(
    "kind",
    [pa.list_(pa.float32()), pa.large_list(pa.float64()), pa.list_(pa.float32(), 384), pa.list_(pa.int16())],
    ids=["list<float32>", "large_list<float64>", "fixed_size_list<float32, 384>", "list<int16>"],
)
def test_a_binary_files_vector_column_is_read_as_one_array_batch_by_batch(tmp_path: Path, kind: pa.DataType) -> None:
    from tables.formats import open_binary

    rows = np.random.default_rng(1).normal(scale=50, size=(7, 384)).round().astype(np.float32)
    sink = io.BytesIO()
    pq.write_table(pa.table({"text": [f"row {i}" for i in range(7)], "vec": pa.array(rows.tolist(), kind)}), sink)
    path = write(tmp_path, "vecs.parquet", sink.getvalue())
    tables = list(open_binary(path, "vecs.parquet", "parquet", Limits(), batch_rows=3, vector_column="vec").batches)
    # No Python list of numbers per row: the batch holds the column as an array, its rows hold None.
    assert [len(t.rows) for t in tables] == [3, 3, 1]
    assert all(t.arrays["vec"].dtype == np.float32 and row["vec"] is None for t in tables for row in t.rows)
    assert np.array_equal(np.concatenate([t.arrays["vec"] for t in tables]), rows)
    result = read_dataset(
        path, "vecs.parquet", RowMapping(text_field="text", vector_field="vec"), Limits(), batch_rows=3
    )
    assert result.vectors is not None and np.array_equal(result.vectors, rows)
    assert result.records[6] == {"text": "row 6"}


def test_a_vector_column_with_a_non_finite_value_names_its_row_when_read_as_an_array(tmp_path: Path) -> None:
    rows = np.full((4, 384), 0.1, dtype=np.float32)
    rows[2, 7] = np.nan
    path = write(tmp_path, "vecs.parquet", vectors_parquet(rows.tolist()))
    with pytest.raises(BadVectors) as raised:
        read_dataset(path, "vecs.parquet", RowMapping(text_field="text", vector_field="vec"), Limits())
    assert "Row 3 of vecs.parquet, column 'vec', holds a value that is not finite" in raised.value.message


def test_json_arrays_in_json_lines_and_csv_cells_are_read_as_vectors(tmp_path: Path) -> None:
    vector = [0.5] * 384
    jsonl = write(tmp_path, "v.jsonl", json.dumps({"text": "a", "vec": vector}) + "\n")
    csv = write(tmp_path, "v.csv", 'text,vec\na,"' + json.dumps(vector) + '"\n')
    for path in (jsonl, csv):
        result = read_dataset(path, path.name, RowMapping(text_field="text", vector_field="vec"), Limits())
        assert result.vectors is not None and result.vectors.tolist() == [vector]


@pytest.mark.parametrize(
    ("rows", "message_part"),
    [
        (
            [[0.1] * 384, [0.1] * 384, [0.1] * 380],
            "Row 3 of vecs.parquet, column 'vec', holds a 380-dimensional vector",
        ),
        ([[0.1] * 128], "only 384-dimensional vectors are supported for now"),
        ([[0.1] * 384, None], "Row 2 of vecs.parquet, column 'vec', does not hold a list of numbers"),
    ],
)
def test_every_rows_vector_is_checked_and_the_bad_row_named(
    tmp_path: Path, rows: list[list[float] | None], message_part: str
) -> None:
    sink = io.BytesIO()
    pq.write_table(pa.table({"text": ["t"] * len(rows), "vec": pa.array(rows, pa.list_(pa.float32()))}), sink)
    path = write(tmp_path, "vecs.parquet", sink.getvalue())
    with pytest.raises(BadVectors) as raised:
        read_dataset(path, "vecs.parquet", RowMapping(text_field="text", vector_field="vec"), Limits())
    assert message_part in raised.value.message


def test_the_preview_applies_the_mappings_checks_to_the_first_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "docs.csv", "id,text\n1,a\n1,b\n")
    with pytest.raises(BadIdColumn):
        preview(path, "docs.csv", Limits(), mapping=RowMapping(text_field="text", id_field="id"))


def test_the_supported_vector_dimension_is_the_databases() -> None:
    assert VECTOR_DIMENSIONS == EMBEDDING_DIMENSIONS


def test_the_preview_does_not_call_a_text_column_empty_from_its_first_rows_alone(tmp_path: Path) -> None:
    path = write(tmp_path, "late.csv", "id,text\n" + "".join(f"{i},\n" for i in range(60)) + "60,finally text\n")
    preview(path, "late.csv", Limits(), mapping=RowMapping(text_field="text"))
    assert read_dataset(path, "late.csv", RowMapping(text_field="text"), Limits()).texts[-1] == "finally text"
