"""A folder of documents as a table: each file a row with its path, folder, name and text. Plain text and
Markdown are read as they are; HTML as the text a reader sees (no tags, scripts or styles)."""

import html.parser
import json
from pathlib import PurePosixPath

# What a zip of documents may hold; anything else makes it a zip of one table, as before.
DOCUMENT_EXTENSIONS = (".txt", ".md", ".markdown", ".rst", ".html", ".htm")
HTML_EXTENSIONS = (".html", ".htm")
# Elements whose content is not text a reader sees.
HIDDEN = ("script", "style", "template", "noscript", "head")
# Elements that end a line of text.
BLOCKS = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "section", "article", "table")


def is_document(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in DOCUMENT_EXTENSIONS


def decode(raw: bytes) -> str:
    """UTF-8 (a byte-order mark dropped), else Windows-1252, which any byte sequence decodes as; NUL bytes, which
    the database cannot store, become spaces."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return text.replace("\x00", " ")


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """The text of an HTML page, one line per block, runs of blank space closed up."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def document_row(member: str, raw: bytes) -> bytes:
    """One JSON Lines row for a file of the zip: path, folder, name and text."""
    path = PurePosixPath(member)
    text = decode(raw)
    if path.suffix.lower() in HTML_EXTENSIONS:
        text = html_text(text)
    folder = str(path.parent) if str(path.parent) != "." else ""
    row = {"path": member, "folder": folder, "name": path.name, "text": text}
    return (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
