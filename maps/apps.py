"""App config: registers the start-up checks."""

from django.apps import AppConfig


class MapsConfig(AppConfig):
    name = "maps"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from atlas import checks  # noqa: F401  (registers the system checks)
