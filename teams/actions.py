"""Every write about who may see what: accounts, workspaces, members, invitations, share links, API tokens,
and the audit log that records the changes to membership, roles and sharing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from atlas.errors import Forbidden, NotFound, UserError
from maps.models import Dataset
from teams.access import Caller, Need, new_secret, require_user, secret_hash, workspace_for
from teams.models import ApiToken, AuditEvent, Invitation, Membership, Removal, Role, ShareLink, Workspace

TOKEN_PREFIX = "atl_"  # noqa: S105  (a visible marker on every token, not a secret)


def audit(workspace: Workspace, actor: User | None, action: str, **detail: Any) -> None:
    AuditEvent.objects.create(workspace=workspace, actor=actor, action=action, detail=detail)


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise UserError(f"{email!r} is not an email address; write it as name@example.org.") from None
    return email


def create_account(email: str, password: str | None, staff: bool = False) -> User:
    """A user named by email, with its personal workspace (made by ensure_personal_workspace on save)."""
    email = normalise_email(email)
    model = get_user_model()
    if model.objects.filter(username=email).exists():
        raise UserError(f"There is already an account for {email}; log in, or reset its password.")
    user = model.objects.create_user(username=email, email=email, password=password)
    if staff:
        user.is_staff = user.is_superuser = True
        user.save()
    return user


def ensure_personal_workspace(user: User) -> Workspace:
    found = Workspace.objects.filter(personal=True, memberships__user=user).first()
    if found is not None:
        return found
    with transaction.atomic():
        workspace = Workspace.objects.create(name=f"{user.get_username()} (personal)", personal=True)
        Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    return workspace


def create_workspace(owner: User, name: str) -> Workspace:
    name = name.strip()
    if not name:
        raise UserError("A team workspace needs a name.")
    with transaction.atomic():
        workspace = Workspace.objects.create(name=name[:200])
        Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
        audit(workspace, owner, "workspace.created", name=workspace.name)
    return workspace


def _role(role: str) -> Role:
    if role not in Role.values:
        raise UserError(f"{role!r} is not a role; pick one of {', '.join(Role.values)}.")
    return Role(role)


def _team(workspace: Workspace) -> Workspace:
    if workspace.personal:
        raise UserError("A personal workspace has one member; make a team workspace to work with others.")
    return workspace


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    url: str


def invite(workspace: Workspace, by: User, email: str, role: str, base_url: str) -> NewInvitation:
    """An invite link; with an email it is mailed and only that address may accept it."""
    _team(workspace)
    email = normalise_email(email) if email.strip() else ""
    secret, hashed = new_secret()
    expires = timezone.now() + datetime.timedelta(days=settings.INVITE_DAYS)
    invitation = Invitation.objects.create(
        workspace=workspace, email=email, role=_role(role), token_hash=hashed, created_by=by, expires_at=expires
    )
    url = f"{base_url}/invites/{secret}"
    audit(workspace, by, "invitation.created", email=email or "(link)", role=invitation.role)
    if email:
        send_mail(
            f"You are invited to {workspace.name} on Atlas",
            f"{by.get_username()} invites you to the workspace {workspace.name!r} as {invitation.role}.\n"
            f"Open this link within {settings.INVITE_DAYS} days to join: {url}\n",
            None,
            [email],
        )
    return NewInvitation(invitation, url)


def open_invitation(secret: str) -> Invitation:
    found = Invitation.objects.select_related("workspace").filter(token_hash=secret_hash(secret)).first()
    if found is None or found.revoked_at or found.accepted_at or found.expires_at <= timezone.now():
        raise NotFound("This invitation is unknown, used, revoked or expired; ask for a new one.")
    return found


def accept_invitation(secret: str, user: User) -> Workspace:
    invitation = open_invitation(secret)
    email = getattr(user, "email", "").lower()
    if invitation.email and invitation.email != email:
        raise Forbidden(f"This invitation is for {invitation.email}; log in with that address to accept it.")
    with transaction.atomic():
        member = Membership.objects.filter(workspace=invitation.workspace, user=user).exists()
        removed = Removal.objects.filter(
            workspace=invitation.workspace, user=user, removed_at__gt=invitation.created_at
        ).exists()
        if removed and not member:
            raise Forbidden(
                f"An owner removed you from {invitation.workspace.name!r} after this invitation was made, so it no "
                "longer lets you in; ask an owner of the workspace for a new invitation."
            )
        membership, created = Membership.objects.get_or_create(
            workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
        )
        # An open link may be used by several people; an emailed one only once.
        if invitation.email:
            Invitation.objects.filter(id=invitation.id).update(accepted_at=timezone.now())
        if created:
            audit(invitation.workspace, user, "member.joined", email=email, role=membership.role)
    return invitation.workspace


def revoke_invitation(workspace: Workspace, by: User, invitation_id: str) -> None:
    invitation = _get(Invitation.objects.filter(workspace=workspace), invitation_id, "invitation")
    Invitation.objects.filter(id=invitation.id).update(revoked_at=timezone.now())
    audit(workspace, by, "invitation.revoked", email=invitation.email or "(link)")


def _get(queryset: Any, object_id: str, what: str) -> Any:
    try:
        return queryset.get(id=object_id)
    except (ValueError, ValidationError, queryset.model.DoesNotExist):
        raise NotFound(f"No {what} with id {object_id!r} here.") from None


def _owners_left(workspace: Workspace, without: Membership) -> bool:
    return workspace.memberships.filter(role=Role.OWNER).exclude(id=without.id).exists()


def change_role(workspace: Workspace, by: User, membership_id: str, role: str) -> Membership:
    membership: Membership = _get(workspace.memberships.select_related("user"), membership_id, "member")
    new_role = _role(role)
    if membership.role == Role.OWNER and new_role != Role.OWNER and not _owners_left(workspace, membership):
        raise UserError("A workspace keeps at least one owner; make someone else owner first.")
    old = membership.role
    membership.role = new_role
    membership.save(update_fields=["role"])
    audit(workspace, by, "member.role_changed", email=membership.user.get_username(), old=old, new=new_role)
    return membership


def remove_member(workspace: Workspace, by: User, membership_id: str) -> None:
    membership: Membership = _get(workspace.memberships.select_related("user"), membership_id, "member")
    if workspace.personal:
        raise UserError("A personal workspace keeps its owner.")
    if membership.role == Role.OWNER and not _owners_left(workspace, membership):
        raise UserError("A workspace keeps at least one owner; make someone else owner first.")
    with transaction.atomic():
        membership.delete()
        # The links they could reopen (an open invite link is used by many) stop working for them.
        Removal.objects.create(workspace=workspace, user=membership.user)
        audit(workspace, by, "member.removed", email=membership.user.get_username(), role=membership.role)


@dataclass(frozen=True)
class NewShareLink:
    link: ShareLink
    url: str


def create_share_link(
    dataset: Dataset, by: User, label: str, expires_in_days: int | None, base_url: str
) -> NewShareLink:
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise UserError(f"A link may expire in 1 to 3650 days, not {expires_in_days}; leave it empty for never.")
    secret, hashed = new_secret()
    expires = timezone.now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None
    link = ShareLink.objects.create(
        dataset=dataset,
        token_hash=hashed,
        prefix=secret[:8],
        label=label.strip()[:200],
        created_by=by,
        expires_at=expires,
    )
    assert dataset.workspace is not None
    audit(dataset.workspace, by, "share.created", map=dataset.name, link=link.prefix, expires=str(expires or "never"))
    return NewShareLink(link, f"{base_url}/s/{secret}")


def revoke_share_link(dataset: Dataset, by: User, link_id: str) -> None:
    link: ShareLink = _get(dataset.share_links.all(), link_id, "share link")
    ShareLink.objects.filter(id=link.id).update(revoked_at=timezone.now())
    assert dataset.workspace is not None
    audit(dataset.workspace, by, "share.revoked", map=dataset.name, link=link.prefix)


def shared_dataset(secret: str) -> Dataset:
    """The map a share link opens; 404 once it is revoked or expired."""
    link = ShareLink.objects.select_related("dataset").filter(token_hash=secret_hash(secret)).first()
    if link is None or link.revoked_at or (link.expires_at and link.expires_at <= timezone.now()):
        raise NotFound("This share link is unknown, revoked or expired; ask whoever shared it for a new one.")
    return link.dataset


def set_visibility(dataset: Dataset, by: User, visibility: str) -> Dataset:
    if visibility not in Dataset.Visibility.values:
        raise UserError(f"{visibility!r} is not a visibility; pick private or public.")
    old = dataset.visibility
    dataset.visibility = visibility
    dataset.save(update_fields=["visibility", "updated_at"])
    assert dataset.workspace is not None
    audit(dataset.workspace, by, "map.visibility_changed", map=dataset.name, old=old, new=visibility)
    return dataset


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str


def create_api_token(user: User, name: str) -> NewToken:
    name = name.strip()
    if not name:
        raise UserError("Name the token after where it will be used, e.g. 'CI' or 'laptop'.")
    secret, hashed = new_secret(TOKEN_PREFIX)
    try:
        token = ApiToken.objects.create(user=user, name=name[:200], token_hash=hashed, prefix=secret[:12])
    except IntegrityError:  # pragma: no cover - a 256-bit collision
        raise UserError("Could not make a token; try again.") from None
    return NewToken(token, secret)


def revoke_api_token(user: User, token_id: str) -> None:
    token: ApiToken = _get(ApiToken.objects.filter(user=user), token_id, "API token")
    ApiToken.objects.filter(id=token.id).update(revoked_at=timezone.now())


def editable_workspace(who: Caller, workspace_id: str) -> Workspace:
    """Where a new dataset goes: the named workspace when the caller may edit it, else the personal one."""
    user = require_user(who)
    if workspace_id:
        return workspace_for(who, workspace_id, Need.EDIT)
    return ensure_personal_workspace(user)
