"""`manage.py import_dataset FILE --text-field COL [--name ...]`: the upload path, from a terminal."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import BaseCommand, CommandError

from maps.actions import create_dataset
from maps.errors import UserError


class Command(BaseCommand):
    help = "Import a table file (CSV, TSV, JSON, JSON Lines, Parquet, Arrow; .gz or .zip) and queue its map build."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--text-field", required=True, help="the column whose text is embedded")
        parser.add_argument("--name", default="", help="the map's name (default: the file name)")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="prefix of the printed map URL")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        with path.open("rb") as handle:
            upload = UploadedFile(handle, name=path.name, size=path.stat().st_size)
            try:
                dataset = create_dataset(upload, options["name"], options["text_field"])
            except UserError as error:
                raise CommandError(error.message) from None
        for warning in dataset.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(f"{options['base_url'].rstrip('/')}/maps/{dataset.id}")
