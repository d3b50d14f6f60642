"""What an upload really is, judged by its first bytes before its name, and safe unwrapping of .gz / .zip."""

import gzip
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, Protocol

from tables.documents import document_row, is_document
from tables.errors import DecompressionBomb, EmptyFile, NotATable, TruncatedFile, ZipProblem


@dataclass(frozen=True)
class Limits:
    """Bounds on what one upload may hold; the web app fills them from the ATLAS_MAX_* settings."""

    max_columns: int = 1000
    max_field_bytes: int = 1024 * 1024
    max_uncompressed_bytes: int = 2048 * 1024 * 1024
    max_compression_ratio: float = 200.0


@dataclass(frozen=True)
class ReadChoices:
    """What the user may say about a delimited file instead of letting it be sniffed, and what to do with rows
    that have another number of fields than the header: refuse the file ("abort") or leave them out ("skip")."""

    delimiter: str | None = None
    quote: str | None = None
    has_header: bool | None = None
    bad_rows: str = "abort"


# Table formats recognised by their first bytes. An Arrow IPC stream starts with the continuation marker.
TABLE_MAGIC: list[tuple[bytes, str]] = [
    (b"PAR1", "parquet"),
    (b"ARROW1", "arrow"),
    (b"FEA1", "arrow"),
    (b"\xff\xff\xff\xff", "arrow"),
]
WRAPPER_MAGIC: list[tuple[bytes, str]] = [(b"\x1f\x8b", "gzip"), (b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip")]
# Files people pick by mistake; named so the message says what the file is.
OTHER_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls or .doc)"),
    (b"\x7fELF", "a program"),
    (b"BZh", "a bzip2 archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
    (b"SQLite format 3\x00", "an SQLite database"),
]
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    ".gz": "gzip",
    ".zip": "zip",
}
FORMAT_NAMES = {
    "csv": "CSV",
    "tsv": "TSV",
    "json": "JSON",
    "jsonl": "JSON Lines",
    "parquet": "Parquet",
    "arrow": "Arrow / Feather",
    "gzip": "gzip",
    "zip": "zip",
}
SUPPORTED = (
    "CSV, TSV, JSON, JSON Lines, Parquet or Arrow/Feather (optionally .gz or a .zip holding one of them), or a .zip "
    "of documents (.txt, .md, .html: one row each)"
)
# Past this size a high ratio is suspicious; below it, small very repetitive files are fine.
RATIO_FLOOR_BYTES = 1024 * 1024
# A preview needs only the start of a compressed text file.
PREVIEW_UNPACK_BYTES = 16 * 1024 * 1024
CHUNK = 1024 * 1024
# A zip of documents (tables.documents) is read as this JSON Lines table: path, folder, name, text.
DOCUMENTS_MEMBER = "documents.jsonl"
# macOS and Windows add these to zips they make; they are never the table.
ZIP_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")


@dataclass(frozen=True)
class Unwrapped:
    """The table file itself (a temporary copy when it came compressed) and what was peeled off."""

    path: Path
    # How messages name it ("rows.csv inside data.zip"), and the file name whose extension it claims.
    name: str
    member: str
    compression: str | None
    # True when only the start of the data is there (a preview, or a partial upload of a big file).
    truncated: bool
    # A .npy array of precomputed vectors that came in the same .zip, one row per table row.
    vectors: Path | None = None


def extension_format(name: str) -> str | None:
    return EXTENSIONS.get(Path(name).suffix.lower())


def sniff(head: bytes) -> str | None:
    """The format named by the first bytes, or None for text (CSV, TSV, JSON)."""
    for magic, fmt in TABLE_MAGIC + WRAPPER_MAGIC:
        if head.startswith(magic):
            return fmt
    return None


def refuse_known_non_tables(head: bytes, name: str) -> None:
    for magic, what in OTHER_MAGIC:
        if head.startswith(magic):
            raise NotATable(f"{name} is {what}, not a table. Upload the data itself as {SUPPORTED}.")


def read_head(path: Path, size: int = 64) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


@contextmanager
def unwrap(path: Path, name: str, limits: Limits, preview: bool, partial: bool) -> Iterator[Unwrapped]:
    """Yield the table inside path: itself, or its .gz / .zip content unpacked to a temporary file.

    preview: stop unpacking text after PREVIEW_UNPACK_BYTES. partial: the upload is only the start of
    the user's file (the browser sends a slice for a preview), so a cut-off gzip stream is expected.
    """
    if path.stat().st_size == 0:
        raise EmptyFile(f"{name} is empty (0 bytes). Upload a file with a header row and at least one row.")
    head = read_head(path)
    refuse_known_non_tables(head, name)
    kind = sniff(head)
    if kind not in ("gzip", "zip"):
        yield Unwrapped(path, name, name, None, partial)
        return
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".unpack-") as folder:
        out = Path(folder) / "table"
        vectors: Path | None = None
        if kind == "gzip":
            member = name[:-3] if name.lower().endswith(".gz") else name
            inner = f"{member} inside {name}" if member != name else name
            truncated = _gunzip(path, out, name, limits, preview, partial)
        else:
            member, truncated, vectors = _unzip(path, out, name, limits, preview)
            inner = f"{member} inside {name}"

        if out.stat().st_size == 0:
            raise EmptyFile(f"{inner} inside {name} is empty. Compress a file with a header row and rows.")
        refuse_known_non_tables(read_head(out), inner)
        if sniff(read_head(out)) in ("gzip", "zip"):
            raise NotATable(f"{name} holds another compressed file ({inner}); compress the table only once.")
        yield Unwrapped(out, inner, Path(member).name, kind, truncated, vectors)


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Budget:
    """Counts unpacked bytes and stops at the absolute and the ratio limit (zip bombs)."""

    def __init__(self, name: str, packed: int, limits: Limits, stop_at: int | None) -> None:
        self.name, self.packed, self.limits, self.stop_at = name, max(packed, 1), limits, stop_at
        self.written = 0

    def take(self, size: int) -> bool:
        """Count size more bytes; False when a preview has enough."""
        self.written += size
        limit = self.limits.max_uncompressed_bytes
        if self.written > limit:
            raise DecompressionBomb(
                f"{self.name} unpacks to more than {limit / 2**20:.0f} MB (ATLAS_MAX_UNCOMPRESSED_MB). "
                "Upload a smaller file, or raise the limit if this file is genuine."
            )
        ratio = self.written / self.packed
        if self.written > RATIO_FLOOR_BYTES and ratio > self.limits.max_compression_ratio:
            raise DecompressionBomb(
                f"{self.name} unpacks to more than {self.limits.max_compression_ratio:.0f} times its size "
                f"({self.packed:,} bytes become over {self.written:,}), which is how decompression bombs look "
                "(ATLAS_MAX_COMPRESSION_RATIO). Upload the table uncompressed, or raise the limit if it is genuine."
            )
        return self.stop_at is None or self.written < self.stop_at


def _copy_limited(source: "_Readable", out: Path, budget: _Budget, preview: bool) -> bool:
    """Copy until the end or the preview cap; True when stopped early."""
    with out.open("wb") as sink:
        first = True
        while chunk := source.read(CHUNK):
            sink.write(chunk)
            if first and preview and sniff(chunk) in ("parquet", "arrow"):
                # Binary tables keep their schema at the end: a preview needs all of them.
                budget.stop_at = None
            first = False
            if not budget.take(len(chunk)):
                return True
    return False


def _gunzip(path: Path, out: Path, name: str, limits: Limits, preview: bool, partial: bool) -> bool:
    budget = _Budget(name, path.stat().st_size, limits, PREVIEW_UNPACK_BYTES if preview else None)
    try:
        with gzip.open(path, "rb") as source:
            return _copy_limited(source, out, budget, preview)
    except EOFError:
        if partial:
            return True
        raise TruncatedFile(
            f"{name} ends before its gzip stream does: the file is cut short. Upload the complete file again."
        ) from None
    except (OSError, zlib.error) as exc:
        raise TruncatedFile(f"{name} is a damaged gzip file ({exc}). Compress the table again and upload it.") from None


def _unsafe(member: str) -> bool:
    posix, windows = PurePosixPath(member), PureWindowsPath(member)
    return posix.is_absolute() or windows.is_absolute() or bool(windows.drive) or ".." in posix.parts + windows.parts


def _unzip(path: Path, out: Path, name: str, limits: Limits, preview: bool) -> tuple[str, bool, Path | None]:
    """Unpack the zip's one table to out (and a .npy of vectors beside it, if any): (member, cut short, .npy)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ZipProblem(
            f"{name} is not a readable zip file ({exc}); it may be cut short. Zip the table again and upload it."
        ) from None
    with archive:
        infos = archive.infolist()
        unsafe = [info.filename for info in infos if _unsafe(info.filename)]
        if unsafe:
            raise ZipProblem(
                f"{name} holds a member with an unsafe path ({unsafe[0]!r}: absolute or with '..'), which Atlas "
                "refuses. Zip the table file alone, without folders, and upload that."
            )
        names = {info.filename for info in infos}
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            raise NotATable(f"{name} is an Excel workbook. Save the sheet as CSV (UTF-8) and upload that.")
        members = [info for info in infos if not info.is_dir() and not any(part in info.filename for part in ZIP_JUNK)]
        if not members:
            raise ZipProblem(f"{name} holds no file. Zip the table file and upload that.")
        if all(is_document(info.filename) for info in members) and (
            len(members) > 1 or not members[0].filename.lower().endswith(".txt")
        ):
            return DOCUMENTS_MEMBER, _write_documents(archive, members, out, name, limits, preview), None
        arrays = [info for info in members if info.filename.lower().endswith(".npy")]
        vectors: Path | None = None
        if len(arrays) == 1 and len(members) == 2:
            members.remove(arrays[0])
            if not preview:  # a preview shows the table; the build reads the vectors
                vectors = out.with_name("vectors.npy")
                _unpack(archive, arrays[0], vectors, name, limits, False)
        if len(members) > 1:
            listed = ", ".join(info.filename for info in members[:5])
            more = f" and {len(members) - 5} more" if len(members) > 5 else ""
            raise ZipProblem(
                f"{name} holds {len(members)} files ({listed}{more}); Atlas reads one table per upload. "
                "Zip one table file, or upload the files one by one."
            )
        member = members[0]
        return member.filename, _unpack(archive, member, out, name, limits, preview), vectors


def _write_documents(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], out: Path, name: str, limits: Limits, preview: bool
) -> bool:
    """A zip of documents as JSON Lines, one row per file in path order (tables.documents); True when a preview
    stopped early."""
    budget = _Budget(name, sum(info.compress_size for info in members), limits, None)
    budget.take(sum(info.file_size for info in members))  # an early refusal; the reads count too
    budget.written = 0
    budget.stop_at = PREVIEW_UNPACK_BYTES if preview else None
    with out.open("wb") as sink:
        for member in sorted(members, key=lambda info: info.filename):
            with _opened(archive, member, name) as source:
                raw = source.read(limits.max_uncompressed_bytes + 1)
            row = document_row(member.filename, raw)
            sink.write(row)
            if not budget.take(len(raw)):
                return True
    return False


def _unpack(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, out: Path, name: str, limits: Limits, preview: bool
) -> bool:
    budget = _Budget(f"{member.filename} inside {name}", member.compress_size, limits, None)
    # The sizes in the zip directory can lie, so they only give an early refusal; the copy counts too.
    budget.take(member.file_size)
    budget.written = 0
    budget.stop_at = PREVIEW_UNPACK_BYTES if preview else None
    with _opened(archive, member, name) as source:
        return _copy_limited(source, out, budget, preview)


@contextmanager
def _opened(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> Iterator[IO[bytes]]:
    """A member of the zip to read; an encrypted one, or one that fails to unpack while read, is a ZipProblem
    that says what to do."""
    if member.flag_bits & 0x1:
        raise ZipProblem(f"{member.filename} inside {name} is encrypted. Zip it without a password.")
    try:
        with archive.open(member) as source:
            yield source
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise ZipProblem(
            f"{member.filename} inside {name} cannot be unpacked ({exc}). Zip it again with plain "
            "deflate compression and upload it."
        ) from None
