"""Files are read in batches: the rows, types, checks and line numbers are those of a whole-file read, rows with
the wrong number of fields are refused or skipped as the user chooses, and sniffed settings can be overridden."""

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tables import errors, jsontables
from tables.reader import Limits, ReadChoices, RowMapping, open_dataset, preview, read_dataset

TEXT = RowMapping(text_field="text")


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def files(tmp_path: Path) -> list[Path]:
    rows = [{"id": i, "text": f"row {i}", "score": i / 4, "when": f"2024-01-{i % 28 + 1:02d}"} for i in range(23)]
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), sink)
    csv = "id,text,score,when\n" + "".join(f"{r['id']},{r['text']},{r['score']},{r['when']}\n" for r in rows)
    return [
        write(tmp_path, "rows.csv", csv),
        write(tmp_path, "rows.json", json.dumps(rows, indent=2)),
        write(tmp_path, "rows.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n"),
        write(tmp_path, "rows.parquet", sink.getvalue()),
    ]


def test_batches_of_any_size_read_the_same_rows_as_one_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A JSON array is read through a buffer of this many characters, so objects straddle its refills.
    monkeypatch.setattr(jsontables, "CHUNK", 7)
    for path in files(tmp_path):
        whole = read_dataset(path, path.name, TEXT, Limits())
        with open_dataset(path, path.name, TEXT, Limits(), batch_rows=5) as stream:
            batches = list(stream.batches())
        assert [b.start for b in batches] == [0, 5, 10, 15, 20], path.name
        assert [r for b in batches for r in b.records] == whole.records, path.name
        assert whole.records[22] == {"id": 22, "text": "row 22", "score": 5.5, "when": "2024-01-23"}, path.name


def test_a_broken_object_late_in_a_json_array_is_named_by_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsontables, "CHUNK", 16)
    lines = ["["] + [f'  {{"text": "row {i}"}},' for i in range(40)] + ['  {"text": "bad",}', "]"]
    path = write(tmp_path, "late.json", "\n".join(lines))
    with pytest.raises(errors.BrokenJson) as raised:
        read_dataset(path, "late.json", TEXT, Limits(), batch_rows=3)
    assert "Line 42 of late.json is not valid JSON" in raised.value.message


def test_a_column_whose_later_values_are_not_numbers_is_widened_not_refused(tmp_path: Path) -> None:
    # Far past pyarrow's first block (about 1 MB here), the code column stops being a number.
    rows = [f"{i},some text for row {i} that pads the file out" for i in range(40_000)]
    path = write(tmp_path, "codes.csv", "code,text\n" + "\n".join(rows) + "\nA-17,the odd one\n")
    result = read_dataset(path, "codes.csv", TEXT, Limits(max_field_bytes=1000), batch_rows=5000)
    assert result.row_count == 40_001
    assert result.records[0]["code"] == 0 and result.records[-1]["code"] == "A-17"


def test_a_repeated_id_in_another_batch_is_found_and_named(tmp_path: Path) -> None:
    path = write(tmp_path, "ids.csv", "id,text\n" + "".join(f"{i % 7},t{i}\n" for i in range(8)))
    with pytest.raises(errors.BadIdColumn) as raised:
        read_dataset(path, "ids.csv", RowMapping(text_field="text", id_field="id"), Limits(), batch_rows=2)
    assert "repeats '0' in row 2, row 9" in raised.value.message


RAGGED = "text,n\nfine,1\nshort\nok,2\ntoo,many,3\nlast,4\nagain,4\n"


def test_rows_with_the_wrong_number_of_fields_abort_by_default_and_say_how_to_skip_them(tmp_path: Path) -> None:
    path = write(tmp_path, "ragged.csv", RAGGED)
    with pytest.raises(errors.RaggedRows) as raised:
        read_dataset(path, "ragged.csv", TEXT, Limits())
    assert "row 3 has 1, row 5 has 3" in raised.value.message and "bad_rows=skip" in raised.value.message


def test_skipped_rows_are_counted_in_the_warnings_and_later_rows_keep_their_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "ragged.csv", RAGGED)
    skip = ReadChoices(bad_rows="skip")
    result = read_dataset(path, "ragged.csv", TEXT, Limits(), choices=skip, batch_rows=2)
    assert result.texts == ["fine", "ok", "last", "again"]
    assert any("Skipped 2 rows of ragged.csv" in w and "row 3 has 1, row 5 has 3" in w for w in result.warnings)
    # Row numbers after the skipped rows are still the file's: 'last' and 'again' are rows 6 and 7.
    with pytest.raises(errors.BadIdColumn) as raised:
        read_dataset(path, "ragged.csv", RowMapping(text_field="text", id_field="n"), Limits(), choices=skip)
    assert "repeats '4' in row 6, row 7" in raised.value.message
    assert preview(path, "ragged.csv", Limits(), choices=skip).rows[1] == {"text": "ok", "n": 2}


def test_the_delimiter_quote_and_header_can_be_given_instead_of_sniffed(tmp_path: Path) -> None:
    path = write(tmp_path, "odd.txt", "alpha;'one; two';x\nbeta;'three';y\n")
    with pytest.raises(errors.RaggedRows):  # sniffed: a double quote, so "'one; two'" splits in two
        preview(path, "odd.txt", Limits())
    chosen = ReadChoices(delimiter=";", quote="'", has_header=False)
    shown = preview(path, "odd.txt", Limits(), choices=chosen)
    assert shown.column_names == ["column_1", "column_2", "column_3"]
    assert shown.rows[0] == {"column_1": "alpha", "column_2": "one; two", "column_3": "x"}
    result = read_dataset(path, "odd.txt", RowMapping(text_field="column_2"), Limits(), choices=chosen)
    assert result.texts == ["one; two", "three"] and result.warnings == []


def zipped_with_vectors(table: bytes, vectors: object) -> bytes:
    array = io.BytesIO()
    np.save(array, vectors)
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        archive.writestr("rows.csv", table)
        archive.writestr("rows.npy", array.getvalue())
    return sink.getvalue()


def test_a_npy_beside_the_table_in_a_zip_gives_each_row_its_vector(tmp_path: Path) -> None:
    vectors = np.random.default_rng(1).normal(size=(7, 384)).astype(np.float32)
    table = ("text\n" + "".join(f"row {i}\n" for i in range(7))).encode()
    path = write(tmp_path, "pack.zip", zipped_with_vectors(table, vectors))
    result = read_dataset(path, "pack.zip", TEXT, Limits(), batch_rows=3)
    assert result.vectors is not None and np.array_equal(result.vectors, vectors)
    assert preview(path, "pack.zip", Limits()).column_names == ["text"]


@pytest.mark.parametrize(
    ("rows", "dims", "part"),
    [
        (6, 384, "holds 6 vectors but the table has at least 7 rows"),
        (9, 384, "holds 9 vectors but the table has 7 rows"),
        (7, 128, "holds 128-dimensional vectors"),
    ],
)
def test_a_npy_that_does_not_match_the_table_is_refused(tmp_path: Path, rows: int, dims: int, part: str) -> None:
    table = ("text\n" + "".join(f"row {i}\n" for i in range(7))).encode()
    path = write(tmp_path, "pack.zip", zipped_with_vectors(table, np.zeros((rows, dims), np.float32)))
    with pytest.raises(errors.BadVectors) as raised:
        read_dataset(path, "pack.zip", TEXT, Limits(), batch_rows=3)
    assert part in raised.value.message
