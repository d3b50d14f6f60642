"""Every access decision: who the caller is (session, Bearer token, share link) and what it may do to a dataset."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from enum import IntEnum

from django.contrib.auth.models import User
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from atlas.errors import Forbidden, NotAuthenticated, NotFound
from maps.models import Dataset
from teams.models import ApiToken, Membership, Role, ShareLink, Workspace

# A share link's secret travels in a cookie scoped by name to its map: opening /s/<secret> sets it. The page
# served at /s/<secret> also sends it in a header with every API request, which works where a framed page
# gets no cookies (an embed on another site).
SHARE_COOKIE_PREFIX = "atlas_share_"
SHARE_HEADER = "X-Atlas-Share"


class Need(IntEnum):
    """What a request does to a dataset; a caller's level must reach it."""

    VIEW = 1
    EDIT = 2
    OWN = 3


ROLE_LEVEL = {Role.VIEWER: Need.VIEW, Role.EDITOR: Need.EDIT, Role.OWNER: Need.OWN}


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str = "") -> tuple[str, str]:
    """A fresh unguessable secret (256 bits) and the hash that is stored in its place."""
    secret = prefix + secrets.token_urlsafe(32)
    return secret, secret_hash(secret)


@dataclass(frozen=True)
class Caller:
    """Who is asking: a user (by session or token), or nobody, maybe holding share-link secrets."""

    user: User | None
    # The API token the request came with, when it came with one (None for sessions and share links).
    token: ApiToken | None = None
    # dataset id -> share secret, from the map-scoped cookies; "*" -> one from ?share= or the share header
    share_secrets: dict[str, str] = field(default_factory=dict)


def caller(request: HttpRequest) -> Caller:
    user = request.user if request.user.is_authenticated else None
    shares = {
        name[len(SHARE_COOKIE_PREFIX) :]: value
        for name, value in request.COOKIES.items()
        if name.startswith(SHARE_COOKIE_PREFIX)
    }
    share_param = request.GET.get("share", "") or request.headers.get(SHARE_HEADER, "")
    token: ApiToken | None = getattr(request, "api_token", None)
    return Caller(user=user, token=token, share_secrets=shares | ({"*": share_param} if share_param else {}))


def require_user(who: Caller) -> User:
    if who.user is None:
        raise NotAuthenticated(
            "This needs an account: log in at /accounts/login, or send `Authorization: Bearer <token>` "
            "with an API token made at /account/tokens."
        )
    return who.user


def bearer_user(header: str) -> tuple[User, ApiToken] | None:
    """The user an `Authorization: Bearer <token>` header names; None when the token is unknown or revoked."""
    secret = header.removeprefix("Bearer ").strip()
    found = ApiToken.objects.select_related("user").filter(token_hash=secret_hash(secret), revoked_at=None).first()
    if found is None or not found.user.is_active:
        return None
    now = timezone.now()
    # Last-used is shown to people, minute precision is plenty; skip a write on every call.
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(id=found.id).update(last_used_at=now)
    return found.user, found


def role_in(who: Caller, workspace_id: uuid.UUID | None) -> Role | None:
    if who.user is None or workspace_id is None:
        return None
    role = Membership.objects.filter(workspace_id=workspace_id, user=who.user).values_list("role", flat=True).first()
    return Role(role) if role else None


def _valid_share(who: Caller, dataset: Dataset) -> bool:
    secrets_held = [s for key, s in who.share_secrets.items() if key in (str(dataset.id), "*")]
    if not secrets_held:
        return False
    live = Q(expires_at=None) | Q(expires_at__gt=timezone.now())
    hashes = [secret_hash(s) for s in secrets_held]
    return ShareLink.objects.filter(live, dataset=dataset, token_hash__in=hashes, revoked_at=None).exists()


def dataset_level(who: Caller, dataset: Dataset) -> Need | None:
    """The most a caller may do to a dataset: its role in the workspace, else view for a public map or a
    valid share link, else nothing."""
    role = role_in(who, dataset.workspace_id)
    if role is not None:
        return ROLE_LEVEL[role]
    if dataset.visibility == Dataset.Visibility.PUBLIC or _valid_share(who, dataset):
        return Need.VIEW
    return None


def check_dataset(who: Caller, dataset: Dataset, need: Need) -> Dataset:
    """The dataset when the caller may do `need` to it; a 404 when it may not even see it (so that ids
    reveal nothing), a 403 when it may see but not change it."""
    level = dataset_level(who, dataset)
    if level is None:
        raise NotFound(f"No dataset with id {str(dataset.id)!r}.")
    if level < need:
        raise Forbidden(
            f"You may view dataset {dataset.id} but not change it; ask an owner of its workspace for the editor role."
        )
    return dataset


def workspace_for(who: Caller, workspace_id: str, need: Need) -> Workspace:
    """A workspace the caller belongs to with at least `need`; 404 for non-members, 403 for too low a role."""
    require_user(who)
    try:
        parsed = uuid.UUID(str(workspace_id))
    except ValueError:
        raise NotFound(f"No workspace with id {workspace_id!r}.") from None
    role = role_in(who, parsed)
    if role is None:
        raise NotFound(f"No workspace with id {workspace_id!r}.")
    if ROLE_LEVEL[role] < need:
        raise Forbidden(f"Your role in this workspace is {role.value}; this needs {Role(_role_for(need)).value}.")
    return Workspace.objects.get(id=parsed)


def _role_for(need: Need) -> str:
    return {Need.VIEW: Role.VIEWER, Need.EDIT: Role.EDITOR, Need.OWN: Role.OWNER}[need]


def workspaces_of(who: Caller, need: Need = Need.VIEW) -> list[Workspace]:
    if who.user is None:
        return []
    roles = [role for role, level in ROLE_LEVEL.items() if level >= need]
    return list(Workspace.objects.filter(memberships__user=who.user, memberships__role__in=roles))


def anonymous() -> Caller:
    return Caller(user=None)
