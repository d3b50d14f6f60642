"""App configs: every new user gets a personal workspace; the admin runs on the site in teams.adminsite."""

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class TeamsConfig(AppConfig):
    name = "teams"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        # Every way a user comes to exist (sign-up, the admin, createsuperuser, create_user) gives it a
        # personal workspace, so nothing else has to remember to.
        post_save.connect(_personal_workspace, sender=get_user_model(), dispatch_uid="maps.personal_workspace")


class AdminConfig(DjangoAdminConfig):
    """Django's admin, on a site whose log-in is rate-limited like the accounts' one."""

    default_site = "teams.adminsite.AdminSite"


def _personal_workspace(sender: object, instance: object, created: bool, **kwargs: object) -> None:
    from teams.actions import ensure_personal_workspace

    if created and not kwargs.get("raw"):
        ensure_personal_workspace(instance)  # type: ignore[arg-type]
