"""Every supported format reads to the same rows and types, through the one ingestion path."""

import csv
import gzip
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from tables.reader import Limits, RowMapping, preview, read_dataset, read_table

ROWS: list[dict[str, Any]] = [
    {"id": 1, "title": 'Café au lait, "strong"', "score": 1.5, "when": "2024-01-02"},
    {"id": 2, "title": "Two lines\nof text", "score": -3.25, "when": "2023-12-31"},
    {"id": 3, "title": "Ünïcödé and naïve", "score": 0.0, "when": "1999-07-04"},
]
COLUMNS = ["id", "title", "score", "when"]


def delimited(delimiter: str = ",", encoding: str = "utf-8", newline: str = "\n") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, delimiter=delimiter, lineterminator=newline)
    writer.writeheader()
    writer.writerows(ROWS)
    return out.getvalue().encode(encoding)


def arrow_table() -> pa.Table:
    import datetime

    return pa.table(
        {
            "id": pa.array([r["id"] for r in ROWS], pa.int64()),
            "title": [r["title"] for r in ROWS],
            "score": [r["score"] for r in ROWS],
            "when": pa.array([datetime.date.fromisoformat(r["when"]) for r in ROWS], pa.date32()),
        }
    )


def parquet() -> bytes:
    sink = io.BytesIO()
    pq.write_table(arrow_table(), sink)
    return sink.getvalue()


def arrow_file() -> bytes:
    sink = io.BytesIO()
    feather.write_feather(arrow_table(), sink, compression="uncompressed")
    return sink.getvalue()


def arrow_stream() -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, arrow_table().schema) as writer:
        writer.write_table(arrow_table())
    return bytes(sink.getvalue().to_pybytes())


def zipped(member: str, content: bytes) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, content)
    return sink.getvalue()


GOOD: list[tuple[str, Callable[[], bytes], str, str | None]] = [
    ("data.csv", lambda: delimited(), "csv", "utf-8"),
    ("data.csv", lambda: delimited(newline="\r\n"), "csv", "utf-8"),
    ("data.csv", lambda: delimited(encoding="utf-8-sig"), "csv", "utf-8-sig"),
    ("data.csv", lambda: delimited(encoding="utf-16"), "csv", "utf-16"),
    ("data.csv", lambda: delimited(delimiter=";"), "csv", "utf-8"),
    ("data.tsv", lambda: delimited(delimiter="\t"), "tsv", "utf-8"),
    ("data.txt", lambda: delimited(delimiter="|"), "csv", "utf-8"),
    ("data.json", lambda: json.dumps(ROWS, indent=2).encode(), "json", "utf-8"),
    ("data.jsonl", lambda: "\n".join(json.dumps(r) for r in ROWS).encode(), "jsonl", "utf-8"),
    ("data.ndjson", lambda: ("\r\n".join(json.dumps(r) for r in ROWS) + "\r\n").encode(), "jsonl", "utf-8"),
    ("data.parquet", parquet, "parquet", None),
    ("data.feather", arrow_file, "arrow", None),
    ("data.arrow", arrow_stream, "arrow", None),
    ("data.csv.gz", lambda: gzip.compress(delimited()), "csv", "utf-8"),
    ("data.jsonl.gz", lambda: gzip.compress("\n".join(json.dumps(r) for r in ROWS).encode()), "jsonl", "utf-8"),
    ("data.parquet.gz", lambda: gzip.compress(parquet()), "parquet", None),
    ("data.zip", lambda: zipped("export/data.csv", delimited()), "csv", "utf-8"),
    ("data.zip", lambda: zipped("data.json", json.dumps(ROWS).encode()), "json", "utf-8"),
    ("data.zip", lambda: zipped("data.parquet", parquet()), "parquet", None),
    ("data.zip", lambda: zipped("data.arrow", arrow_file()), "arrow", None),
]


@pytest.mark.parametrize(("filename", "make", "fmt", "encoding"), GOOD, ids=lambda v: v if isinstance(v, str) else "")
def test_every_format_reads_back_the_same_rows_and_types(
    tmp_path: Path, filename: str, make: Callable[[], bytes], fmt: str, encoding: str | None
) -> None:
    path = tmp_path / filename
    path.write_bytes(make())
    read = read_table(path, filename, Limits())
    assert (read.format, read.encoding) == (fmt, encoding)
    assert read.table.columns == COLUMNS
    assert read.table.rows == ROWS
    assert [type(v) for v in read.table.rows[0].values()] == [int, str, float, str]
    assert read.warnings == []
    shown = preview(path, filename, Limits())
    assert shown.rows == ROWS
    assert [c["type"] for c in shown.columns] == ["id", "text", "number", "datetime"]


def test_a_cp1252_file_is_read_and_the_fallback_is_announced(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("name,text\ncafé,Crème brûlée – 5 €\n".encode("cp1252"))
    result = read_dataset(path, "excel.csv", RowMapping(text_field="text"), Limits())
    assert result.texts == ["Crème brûlée – 5 €"]
    assert result.records == [{"name": "café", "text": "Crème brûlée – 5 €"}]
    assert len(result.warnings) == 1
    assert "not valid UTF-8 (first at line 2)" in result.warnings[0] and "Windows-1252" in result.warnings[0]
    assert preview(path, "excel.csv", Limits()).encoding == "cp1252"


def test_a_csv_without_a_header_gets_named_columns_and_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text("1,2.5\n3,4.5\n", encoding="utf-8")
    read = read_table(path, "numbers.csv", Limits())
    assert read.table.columns == ["column_1", "column_2"]
    assert read.table.rows == [{"column_1": 1, "column_2": 2.5}, {"column_1": 3, "column_2": 4.5}]
    assert "no header row" in read.warnings[0]


def test_a_preview_reads_only_the_first_fifty_rows_of_a_partial_upload(tmp_path: Path) -> None:
    path = tmp_path / "head.csv"
    body = "id,text\n" + "".join(f"{i},row number {i} of many\n" for i in range(200))
    path.write_bytes(body.encode()[: len(body) - 7])  # the browser's slice cuts the last row
    shown = preview(path, "big.csv", Limits(), partial=True)
    assert len(shown.rows) == 50
    assert shown.rows[49] == {"id": 49, "text": "row number 49 of many"}


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("price", [1, 2.5, None, 3], "number"),
        ("year_id", [10, 11, 12], "id"),
        ("created", ["2024-01-02T10:00:00", "2023-05-06", ""], "datetime"),
        ("homepage", ["https://a.example/x", "http://b.example"], "url"),
        ("colour", ["red", "blue", "red", "red", "blue", "blue"], "category"),
        ("sku", ["A-100", "B-200", "C-300"], "id"),
        ("summary", ["A library for HTTP.", "Fast JSON parsing in pure Python, with streaming."], "text"),
        ("flag", [True, False, True], "category"),
    ],
)
def test_column_types_are_inferred_from_their_values(name: str, values: list[Any], expected: str) -> None:
    from tables.coltypes import infer_type

    assert infer_type(name, values) == expected
