"""`manage.py backup FILE.tar`: dump the database and the uploaded files into one file."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maps.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write the database (pg_dump custom format) and the uploaded files to one tar file."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backup written to {options['file']}")
