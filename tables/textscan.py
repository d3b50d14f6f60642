"""Decode a text table: choose its encoding, refuse NUL and invalid bytes, and hand the readers UTF-8."""

import codecs
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tables.errors import InvalidEncoding, NulBytes

CHUNK = 1024 * 1024
BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16", "cp1252": "Windows-1252"}


@dataclass(frozen=True)
class Decoded:
    path: Path  # UTF-8 without a BOM
    encoding: str
    # True when path holds only the first head_bytes of the file.
    cut: bool
    # A private folder for the readers' own temporary files, removed with the decoded copy.
    scratch: Path
    warnings: list[str] = field(default_factory=list)


class _BadBytes(Exception):
    def __init__(self, line: int, sample: bytes, after_non_ascii: bool) -> None:
        super().__init__(line)
        self.line, self.sample, self.after_non_ascii = line, sample, after_non_ascii


def bom_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4)
    return next((encoding for bom, encoding in BOMS if head.startswith(bom)), "utf-8")


@contextmanager
def decoded(path: Path, name: str, head_bytes: int | None) -> Iterator[Decoded]:
    """path as UTF-8: itself when it already is (and is read whole), else a temporary transcoded copy.

    head_bytes: read only that many bytes (a preview). Without a BOM, the file is UTF-8 unless its
    first invalid byte comes before any valid non-ASCII character; then it is read as Windows-1252,
    which is what Excel and older Windows tools write, and the user is told so.
    """
    encoding = bom_encoding(path)
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".decode-") as folder:
        copy = Path(folder) / "utf8"
        needs_copy = encoding != "utf-8" or head_bytes is not None
        try:
            cut = _scan(path, name, encoding, copy if needs_copy else None, head_bytes)
        except _BadBytes as bad:
            if encoding != "utf-8" or bad.after_non_ascii:
                raise _invalid(name, encoding, bad) from None
            encoding, needs_copy = "cp1252", True
            try:
                cut = _scan(path, name, encoding, copy, head_bytes)
            except _BadBytes as bad_again:
                raise _invalid(name, encoding, bad_again) from None
            warnings.append(
                f"{name} is not valid UTF-8 (first at line {bad.line}), so it was read as Windows-1252 (cp1252). "
                "If accented letters look wrong, save the file as UTF-8 and upload it again."
            )
        yield Decoded(copy if needs_copy else path, encoding, cut, Path(folder), warnings)


def _invalid(name: str, encoding: str, bad: _BadBytes) -> InvalidEncoding:
    shown = " ".join(f"0x{b:02X}" for b in bad.sample)
    if encoding == "cp1252":
        return InvalidEncoding(
            f"{name} is neither UTF-8 nor Windows-1252: line {bad.line} holds the bytes {shown}. "
            "Open it in a text editor and save it as UTF-8, then upload it again."
        )
    return InvalidEncoding(
        f"Line {bad.line} of {name} holds bytes that are not valid {ENCODING_NAMES[encoding]} ({shown}), while "
        "the text before it is: the file is damaged or mixes encodings. Fix or delete that line, or save the "
        "whole file again as UTF-8."
    )


def _scan(path: Path, name: str, encoding: str, out_path: Path | None, head_bytes: int | None) -> bool:
    """Decode path chunk by chunk, checking every byte; True when it stopped at head_bytes."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line, non_ascii, read, written, last_newline = 1, False, 0, 0, -1
    with path.open("rb") as source, out_path.open("wb") if out_path else _NullSink() as out:
        while True:
            chunk = source.read(CHUNK if head_bytes is None else min(CHUNK, head_bytes - read))
            read += len(chunk)
            cut = head_bytes is not None and read >= head_bytes and bool(source.read(1))
            final = not chunk or (head_bytes is not None and read >= head_bytes)
            try:
                # A preview's cut may split a character: leave that tail undecoded instead of failing on it.
                text = decoder.decode(chunk, final=final and not cut)
            except UnicodeDecodeError as exc:
                good = exc.object[: exc.start].decode(encoding, errors="replace")
                raise _BadBytes(
                    line + good.count("\n"), exc.object[exc.start : exc.start + 4], non_ascii or not good.isascii()
                ) from None
            if (nul := text.find("\0")) >= 0:
                at = line + text.count("\n", 0, nul)
                raise NulBytes(
                    f"Line {at} of {name} holds a NUL byte (\\0), which text tables never contain: the file is "
                    "binary, or UTF-16 saved without its byte-order mark. Export it again as CSV (UTF-8)."
                )
            line += text.count("\n")
            non_ascii = non_ascii or not text.isascii()
            data = text.encode("utf-8")
            if (newline := data.rfind(b"\n")) >= 0:
                last_newline = written + newline
            written += out.write(data)
            if final:
                if cut and last_newline >= 0:
                    # The readers of a head should never see half a line.
                    out.truncate(last_newline + 1)
                return cut


class _NullSink:
    def write(self, data: bytes) -> int:
        return len(data)

    def truncate(self, size: int) -> int:
        return size

    def __enter__(self) -> "_NullSink":
        return self

    def __exit__(self, *args: object) -> None:
        return None
