"""WSGI entry point for gunicorn; it refuses to start on a configuration the security checks reject."""

import os

from django.core.checks import Tags
from django.core.management.base import BaseCommand
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atlas.settings")
application = get_wsgi_application()
# gunicorn runs no system checks of its own: without these a server with the public SECRET_KEY would serve.
BaseCommand().check(tags=[Tags.security])
