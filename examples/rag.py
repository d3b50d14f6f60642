"""Retrieval-augmented generation over a folder of documents with Atlas (docs/RAG.md).

    python examples/rag.py upload ./my-docs
        zips the folder's .txt, .md and .html files, uploads them as a passage map, waits for it and prints
        its id;
    python examples/rag.py ask <dataset id> "your question" [--folder guide] [--k 5]
        finds the passages that answer best (in that folder only, with --folder), builds a prompt from them
        and, when CHAT_BASE_URL is set, asks that OpenAI-compatible chat endpoint; otherwise prints the prompt.

Atlas: ATLAS_URL (default http://127.0.0.1:8000) and ATLAS_API_KEY (a token from /account/tokens). Chat:
CHAT_BASE_URL (e.g. http://localhost:11434/v1), CHAT_API_KEY (if it needs one), CHAT_MODEL.
Needs the Python client: pip install ./clients/python
"""

import argparse
import io
import os
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import httpx
from atlas_client import AtlasDataset

DOCUMENTS = (".txt", ".md", ".markdown", ".rst", ".html", ".htm")
PASSAGE_TOKENS, PASSAGE_OVERLAP = 256, 32


def zip_folder(folder: Path) -> bytes:
    """The folder's documents in a zip, by their paths inside it."""
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix.lower() in DOCUMENTS:
                archive.write(path, path.relative_to(folder).as_posix())
    return sink.getvalue()


def upload(folder: Path) -> str:
    content = zip_folder(folder)
    if len(content) <= 22:  # an empty zip is its 22-byte directory end alone
        raise SystemExit(f"{folder} holds no .txt, .md or .html file.")
    name = folder.resolve().name or "documents"
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / f"{name}.zip"
        path.write_bytes(content)
        dataset = AtlasDataset.upload(
            path, name=name, text_field="text", passage_tokens=PASSAGE_TOKENS, passage_overlap=PASSAGE_OVERLAP
        )
    dataset.wait(progress=False)
    print(f"map ready: {dataset.map_url}", file=sys.stderr)
    return str(dataset.id)


def retrieve(dataset_id: str, question: str, k: int, folder: str | None) -> list[dict[str, Any]]:
    """The k documents whose passages answer the question best (hybrid ranking), each with that passage."""
    filters = {"column": "folder", "op": "=", "value": folder} if folder else None
    hits: list[dict[str, Any]] = AtlasDataset.open(dataset_id).query(question, k=k, filters=filters)
    return hits


def prompt(question: str, hits: list[dict[str, Any]]) -> str:
    sources = "\n\n".join(
        f"[{n}] {hit['fields']['path']}\n{(hit.get('passage') or {}).get('text', hit['text'])}"
        for n, hit in enumerate(hits, start=1)
    )
    return (
        "Answer the question from the sources below only, citing them by number; say so if they do not answer "
        f"it.\n\nSources:\n\n{sources}\n\nQuestion: {question}\n"
    )


def chat(text: str) -> str:
    """The answer of the OpenAI-compatible chat endpoint at CHAT_BASE_URL."""
    base = os.environ["CHAT_BASE_URL"].rstrip("/")
    key = os.environ.get("CHAT_API_KEY", "")
    response = httpx.post(
        f"{base}/chat/completions",
        json={"model": os.environ.get("CHAT_MODEL", ""), "messages": [{"role": "user", "content": text}]},
        headers={"Authorization": f"Bearer {key}"} if key else {},
        timeout=120,
    )
    response.raise_for_status()
    return str(response.json()["choices"][0]["message"]["content"])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("upload", help="upload a folder of documents as a passage map")
    up.add_argument("folder", type=Path)
    ask = commands.add_parser("ask", help="answer a question from a passage map")
    ask.add_argument("dataset_id")
    ask.add_argument("question")
    ask.add_argument("--folder", help="only documents in this folder of the upload")
    ask.add_argument("--k", type=int, default=5)
    args = parser.parse_args(argv)
    if args.command == "upload":
        print(upload(args.folder))
        return
    text = prompt(args.question, retrieve(args.dataset_id, args.question, args.k, args.folder))
    print(chat(text) if os.environ.get("CHAT_BASE_URL") else text)


if __name__ == "__main__":
    main(sys.argv[1:])
