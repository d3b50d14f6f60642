"""`manage.py import_dataset FILE --user EMAIL --text-field COL | --text-template T ...`: upload from a terminal."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import BaseCommand, CommandError

from atlas.errors import UserError
from maps.actions import create_dataset
from tables.mapping import RowMapping
from teams import actions as team_actions
from teams.access import Caller


class Command(BaseCommand):
    help = "Import a table file (CSV, TSV, JSON, JSON Lines, Parquet, Arrow; .gz or .zip) and queue its map build."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        text = parser.add_mutually_exclusive_group(required=True)
        text.add_argument("--text-field", default="", help="the column whose text is embedded")
        text.add_argument("--text-template", default="", help="columns joined into the text, e.g. '{title} — {body}'")
        parser.add_argument("--id-field", default="", help="a column of unique row ids (optional)")
        parser.add_argument("--vector-field", default="", help="a column of precomputed 384-d vectors (optional)")
        parser.add_argument("--name", default="", help="the map's name (default: the file name)")
        parser.add_argument("--user", required=True, help="email of the account that owns the map")
        parser.add_argument("--workspace", default="", help="id of a workspace the user may edit (default: personal)")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="prefix of the printed map URL")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        user = get_user_model().objects.filter(username=options["user"].strip().lower()).first()
        if user is None:
            raise CommandError(f"No account for {options['user']}; make one with manage.py create_user EMAIL.")
        try:
            workspace = team_actions.editable_workspace(Caller(user=user), options["workspace"])
        except UserError as error:
            raise CommandError(error.message) from None
        with path.open("rb") as handle:
            upload = UploadedFile(handle, name=path.name, size=path.stat().st_size)
            try:
                mapping = RowMapping(
                    text_field=options["text_field"],
                    text_template=options["text_template"],
                    id_field=options["id_field"],
                    vector_field=options["vector_field"],
                )
                dataset = create_dataset(upload, options["name"], mapping, workspace)
            except UserError as error:
                raise CommandError(error.message) from None
        for warning in dataset.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(f"{options['base_url'].rstrip('/')}/maps/{dataset.id}")
