"""URL routes: the pages, accounts, workspaces and sharing, and the /api/v1 endpoints."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from embeddings import api as embeddings_api
from maps import api, sharing, views
from teams import accounts
from teams import api as teams_api
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
    path("accounts/password_reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
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
    path("healthz", api.healthz, name="healthz"),
    path("readyz", api.readyz, name="readyz"),
    path("api/v1/previews", api.previews, name="api-previews"),
    path("api/v1/datasets", api.datasets, name="api-datasets"),
    path("api/v1/datasets/<str:dataset_id>", api.dataset, name="api-dataset"),
    path("api/v1/datasets/<str:dataset_id>/cancel", api.cancel, name="api-cancel"),
    path("api/v1/datasets/<str:dataset_id>/relayout", api.relayout, name="api-relayout"),
    path("api/v1/datasets/<str:dataset_id>/rows", api.rows, name="api-rows"),
    path("api/v1/datasets/<str:dataset_id>/points", api.points, name="api-points"),
    path("api/v1/datasets/<str:dataset_id>/points/<int:row_id>", api.point, name="api-point"),
    path("api/v1/datasets/<str:dataset_id>/points/<int:row_id>/neighbors", api.neighbors, name="api-point-neighbors"),
    path("api/v1/datasets/<str:dataset_id>/columns", api.column_summaries, name="api-columns"),
    path("api/v1/datasets/<str:dataset_id>/columns/<str:name>", api.column_values, name="api-column"),
    path("api/v1/datasets/<str:dataset_id>/topics", api.topics, name="api-topics"),
    path("api/v1/datasets/<str:dataset_id>/search", api.search, name="api-search"),
    path("api/v1/datasets/<str:dataset_id>/tags", api.tags, name="api-tags"),
    path("api/v1/datasets/<str:dataset_id>/tags/<int:tag_id>", api.tag, name="api-tag"),
    path("api/v1/datasets/<str:dataset_id>/tags/<int:tag_id>/rows", api.tag_rows, name="api-tag-rows"),
    path("api/v1/datasets/<str:dataset_id>/export", api.export_rows, name="api-export"),
    path("api/v1/embedding/text", embeddings_api.embed_text, name="api-embedding-text"),
    path("api/v1/embedding/image", embeddings_api.embed_image, name="api-embedding-image"),
    # OpenAI-compatible, at the path OpenAI clients append to their base URL (base_url=<atlas>/v1).
    path("v1/embeddings", embeddings_api.openai_embeddings, name="openai-embeddings"),
    path("v1/models", embeddings_api.openai_models, name="openai-models"),
    path("v1/models/<str:model_id>", embeddings_api.openai_model, name="openai-model"),
    # What Nomic's Python client asks for at start (with ATLAS_API_PATH=<atlas>/api): the caller's account.
    path("api/v1/user", teams_api.current_user, name="api-user"),
]
