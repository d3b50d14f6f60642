"""Account pages: sign-up, rate-limited log-in, throttled password-reset mail, and the API tokens a user makes
for scripts."""

import hashlib
import logging
from typing import Any

from django import forms
from django.contrib.auth import login, password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from atlas.errors import RateLimited, UserError
from atlas.pages import error_page, login_page, site_url
from teams import access, ratelimit
from teams import actions as team_actions
from teams.models import ApiToken

logger = logging.getLogger(__name__)


class SignupForm(forms.Form):
    email = forms.EmailField(max_length=254)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(widget=forms.PasswordInput, strip=False, label="Password again")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            raise ValidationError("The two passwords differ; type the same one twice.")
        if data.get("password"):
            password_validation.validate_password(data["password"])
        return data


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            ratelimit.hit("signup", ratelimit.client_address(request), ratelimit.rate("signup"))
        except RateLimited as error:
            return error_page(request, error)
        if form.is_valid():
            try:
                user = team_actions.create_account(form.cleaned_data["email"], form.cleaned_data["password"])
            except UserError as error:
                form.add_error("email", error.message)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("home")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


def refuse_over_login_limit(request: HttpRequest) -> HttpResponse | None:
    """Count one log-in attempt from the request's address (ATLAS_RATE_LIMIT_LOGIN); the 429 page once over."""
    try:
        ratelimit.hit("login", ratelimit.client_address(request), ratelimit.rate("login"))
    except RateLimited as error:
        return error_page(request, error)
    return None


class RateLimitedLoginView(LoginView):
    """Django's log-in page, with a per-address limit on attempts (ATLAS_RATE_LIMIT_LOGIN)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = refuse_over_login_limit(request)
        if refused is not None:
            return refused
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        # Accounts are named by their email, in lower case.
        if "data" in kwargs:
            data = kwargs["data"].copy()
            data["username"] = data.get("username", "").strip().lower()
            kwargs["data"] = data
        return kwargs


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password-reset page, mailing at most ATLAS_RATE_LIMIT_PASSWORD_RESET times per client address
    and ATLAS_RATE_LIMIT_PASSWORD_RESET_EMAIL times per email address. Over either it sends nothing and answers
    as it always does, so the page never tells whether an address has an account."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        email = form.cleaned_data["email"].strip().lower()
        try:
            ratelimit.hit("password_reset", ratelimit.client_address(self.request), ratelimit.rate("password_reset"))
            # Hashed: the counter's key names no address, and stays short whatever was typed.
            ratelimit.hit(
                "password_reset_email",
                hashlib.sha256(email.encode()).hexdigest(),
                ratelimit.rate("password_reset_email"),
            )
        except RateLimited as error:
            logger.warning("No password-reset mail sent: %s", error.message)
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


@login_page
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    created = None
    if request.method == "POST":
        created = team_actions.create_api_token(request.user, request.POST.get("name", ""))  # type: ignore[arg-type]
    listed = ApiToken.objects.filter(user=access.require_user(access.caller(request)))
    context = {"tokens": listed, "created": created, "site": site_url(request)}
    return render(request, "tokens.html", context, status=201 if created else 200)


@login_page
@require_POST
def revoke_token(request: HttpRequest, token_id: str) -> HttpResponse:
    team_actions.revoke_api_token(request.user, token_id)  # type: ignore[arg-type]
    return redirect("tokens")
