"""CSV export cells: for a spreadsheet, would-be formulas are neutralised; otherwise every cell is written as it is."""

import csv
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from maps.export import to_csv, to_parquet


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("a = b", "a = b"),
        ("plain", "plain"),
        ("", ""),
        (-3, "-3"),
        (2.5, "2.5"),
        (None, ""),
        (True, "true"),
    ],
)
def test_a_csv_cell_that_a_spreadsheet_would_run_gets_a_leading_apostrophe_and_no_other_cell_changes(
    value: object, written: str
) -> None:
    body = to_csv(["v"], [{"v": value}]).decode("utf-8")
    assert list(csv.reader(io.StringIO(body))) == [["v"], [written]]


def test_a_header_that_looks_like_a_formula_is_neutralised_too() -> None:
    body = to_csv(["=cmd", "ok"], []).decode("utf-8")
    assert next(csv.reader(io.StringIO(body))) == ["'=cmd", "ok"]


def test_parquet_keeps_every_value_verbatim_with_its_type() -> None:
    records = [
        {"row_id": 0, "name": "=danger", "stars": 3, "score": -1.5, "ok": True, "none": None},
        {"row_id": 1, "name": "+plain", "stars": 4, "score": 2.0, "ok": False, "none": None},
    ]
    columns = list(records[0])
    table = pq.read_table(io.BytesIO(to_parquet(columns, records)))
    assert table.column_names == columns
    assert table.to_pylist() == records
    assert table.schema.field("stars").type == pa.int64()
    assert table.schema.field("score").type == pa.float64()
    assert table.schema.field("ok").type == pa.bool_()
    assert table.schema.field("name").type == pa.string()


def test_nested_values_come_out_as_exact_json_text_in_parquet() -> None:
    table = pq.read_table(io.BytesIO(to_parquet(["v"], [{"v": ["a", "b"]}, {"v": {"k": 1}}, {"v": None}])))
    assert table.column("v").to_pylist() == ['["a", "b"]', '{"k": 1}', None]


def test_a_column_mixing_numbers_and_strings_comes_out_as_exact_json_text_in_parquet() -> None:
    table = pq.read_table(io.BytesIO(to_parquet(["v"], [{"v": 1}, {"v": "x"}, {"v": None}])))
    assert table.column("v").to_pylist() == ["1", '"x"', None]


@pytest.mark.parametrize("value", ["@scope/pkg", "=1+2", "-x", "+1", "\tcmd"])
def test_a_plain_csv_writes_every_text_as_it_is(value: str) -> None:
    body = to_csv(["v"], [{"v": value}], spreadsheet=False).decode("utf-8")
    assert list(csv.reader(io.StringIO(body))) == [["v"], [value]]
