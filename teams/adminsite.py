"""The admin's site: Django's own, with its log-in under the accounts' per-address limit on attempts."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from teams import accounts


class AdminSite(admin.AdminSite):
    def login(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        # Both log-in pages draw on one budget per address, so neither doubles the guesses the other allows.
        if request.method == "POST":
            refused = accounts.refuse_over_login_limit(request)
            if refused is not None:
                return refused
        return super().login(request, extra_context)
