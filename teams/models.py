"""Who may see what: workspaces and their members' roles, invitations, removed members, share links of one
map, API tokens and the audit log. The tables keep the names the maps app gave them."""

import uuid

from django.conf import settings
from django.db import models


class Workspace(models.Model):
    """Who a dataset belongs to: a user's personal workspace or a team's; members hold one role each."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    # Every user has exactly one personal workspace, made when the account is; it cannot gain members.
    personal = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "maps_workspace"
        ordering = ["-personal", "name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"


class Membership(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=6, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "maps_membership"
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")]


class Invitation(models.Model):
    """An invite by email (only that address may accept) or an open invite link (anyone logged in)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(blank=True, default="")
    role = models.CharField(max_length=6, choices=Role.choices)
    # sha256 of the secret in the link; the secret itself is shown once and never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "maps_invitation"
        ordering = ["-created_at"]


class Removal(models.Model):
    """An owner removed this user from this workspace. Invitations made before then, open links included, no
    longer let them back in: only a new invitation does."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="removals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    removed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "user"], name="removal_workspace_user")]


class ShareLink(models.Model):
    """A view-only link to one map; whoever holds the secret may view that map alone, until it is revoked
    or expires."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey("maps.Dataset", on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True)
    # The secret's first characters, so that people can tell their links apart in the list.
    prefix = models.CharField(max_length=8)
    label = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "maps_sharelink"
        ordering = ["-created_at"]


class ApiToken(models.Model):
    """A named secret for `Authorization: Bearer`; it acts as its user. Only its sha256 is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=200)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "maps_apitoken"
        ordering = ["-created_at"]


class AuditEvent(models.Model):
    """One change to who may see what in a workspace: membership, role or sharing. Owners read them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=40)
    # Plain values (emails, roles, map names) for display; never markup.
    detail = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "maps_auditevent"
        ordering = ["-created_at"]
