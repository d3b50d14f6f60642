"""`manage.py create_user EMAIL [--password P] [--staff] [--token [NAME]]`: an account for scripts and CI."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from atlas.errors import UserError
from teams import actions as team_actions


class Command(BaseCommand):
    help = "Create a user (with a personal workspace); --token prints a new API token for it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--password", default=None, help="without one the account cannot log in to the site")
        parser.add_argument("--staff", action="store_true", help="may use the Django admin (/admin/)")
        parser.add_argument("--token", nargs="?", const="cli", default=None, metavar="NAME", help="print an API token")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = team_actions.create_account(options["email"], options["password"], staff=options["staff"])
            if options["token"] is not None:
                # The token alone on stdout, so that scripts can capture it: TOKEN=$(manage.py create_user ...)
                self.stdout.write(team_actions.create_api_token(user, options["token"]).secret)
            else:
                self.stdout.write(f"created {user.get_username()}")
        except UserError as error:
            raise CommandError(error.message) from None
