"""URL routes: the pages, accounts, workspaces and sharing, and the /api/v1 endpoints."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from atlas import api
from maps import sharing, views
from teams import accounts
from teams import views as team_views

urlpatterns = [
    path("", views.home, name="home"),
    path("new", views.new_map, name="new-map"),
    path("maps/<str:dataset_id>", views.map_page, name="map"),
    path("maps/<str:dataset_id>/sharing", sharing.sharing, name="sharing"),
    path("maps/<str:dataset_id>/sharing/<str:link_id>/revoke", sharing.revoke_share, name="revoke-share"),
    path("s/<str:secret>", sharing.open_share, name="open-share"),
    # Accounts: sign-up and a rate-limited log-in here, the rest are Django's own views.
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/login/", accounts.RateLimitedLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password_reset/", accounts.ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("accounts/password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("account/tokens", accounts.tokens, name="tokens"),
    path("account/tokens/<str:token_id>/revoke", accounts.revoke_token, name="revoke-token"),
    path("workspaces", team_views.workspaces, name="workspaces"),
    path("workspaces/<str:workspace_id>", team_views.workspace, name="workspace"),
    path("workspaces/<str:workspace_id>/invitations", team_views.invitations, name="invitations"),
    path(
        "workspaces/<str:workspace_id>/invitations/<str:invitation_id>/revoke",
        team_views.revoke_invitation,
        name="revoke-invitation",
    ),
    path("workspaces/<str:workspace_id>/members/<str:membership_id>/role", team_views.member_role, name="member-role"),
    path(
        "workspaces/<str:workspace_id>/members/<str:membership_id>/remove",
        team_views.remove_member,
        name="remove-member",
    ),
    path("invites/<str:secret>", team_views.invitation, name="invitation"),
    path("admin/", admin.site.urls),
    # The API (/api/v1/..., /v1/..., /healthz, /readyz), its OpenAPI document and its docs page.
    path("", include((api.urls(), "api"), namespace="api")),
]
