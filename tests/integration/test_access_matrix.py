"""Every route of the URLconf, called by every kind of caller, answers as the access table says.

The table names each route's access class per HTTP method; a route missing from it fails the test, so a new
route cannot ship without a decision about who may call it.
"""

import datetime
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from maps.models import Classification, Dataset, Point, Tag, Topic
from teams import actions as team_actions
from teams.access import SHARE_COOKIE_PREFIX
from teams.models import Membership, Role, ShareLink, Workspace
from tests.accounts import create_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "viewer", "editor", "owner", "token", "outsider", "share", "revoked", "expired", "bad_token"]
ANONYMOUS_LIKE = ("anonymous", "share", "revoked", "expired")

# What each access class answers each role: "ok" means the request got through the door (any status but
# 401, 403, 404, a redirect to log in, or 500); "login" a redirect to the log-in page; a number that status.
OK = "ok"
LOGIN = "login"


def expected(access_class: str, role: str) -> str | int:
    if role == "bad_token":
        return 401  # a wrong token is refused everywhere, never treated as anonymous
    anonymous = role in ANONYMOUS_LIKE
    member_level = {"viewer": 1, "editor": 2, "owner": 3, "token": 3}.get(role, 0)
    match access_class:
        case "public":
            return OK
        case "staff":
            return LOGIN  # the admin's own log-in; nobody here is staff
        case "authenticated":
            return 401 if anonymous else OK
        case "authenticated-page":
            return LOGIN if anonymous else OK
        case "token-owner-page":  # the owner's own API tokens
            return LOGIN if anonymous else OK if role in ("owner", "token") else 404
        case "dataset-view":  # the API and the map page: share links grant view, nothing more
            if member_level or role == "share":
                return OK
            return 404
        case "dataset-edit":
            if member_level >= 2:
                return OK
            return 403 if role in ("viewer", "share") else 404
        case "dataset-edit-page":
            if anonymous:
                return LOGIN
            return OK if member_level >= 2 else 403 if role == "viewer" else 404
        case "workspace-member-page":
            return LOGIN if anonymous else OK if member_level else 404
        case "workspace-owner-page":
            return LOGIN if anonymous else OK if member_level == 3 else 403 if member_level else 404
    raise AssertionError(f"unknown access class {access_class}")


# route name -> {method: access class}. Adding a route means adding its line here.
DOORS: dict[str, dict[str, str]] = {
    "home": {"GET": "public"},
    "new-map": {"GET": "authenticated-page"},
    "map": {"GET": "dataset-view"},
    "sharing": {"GET": "dataset-edit-page", "POST": "dataset-edit-page"},
    "revoke-share": {"POST": "dataset-edit-page"},
    "open-share": {"GET": "public"},
    "signup": {"GET": "public", "POST": "public"},
    "login": {"GET": "public", "POST": "public"},
    "logout": {"POST": "public"},
    "password_change": {"GET": "authenticated-page", "POST": "authenticated-page"},
    "password_change_done": {"GET": "authenticated-page"},
    "password_reset": {"GET": "public", "POST": "public"},
    "password_reset_done": {"GET": "public"},
    "password_reset_confirm": {"GET": "public"},
    "password_reset_complete": {"GET": "public"},
    "tokens": {"GET": "authenticated-page", "POST": "authenticated-page"},
    "revoke-token": {"POST": "token-owner-page"},
    "workspaces": {"GET": "authenticated-page", "POST": "authenticated-page"},
    "workspace": {"GET": "workspace-member-page"},
    "invitations": {"POST": "workspace-owner-page"},
    "revoke-invitation": {"POST": "workspace-owner-page"},
    "member-role": {"POST": "workspace-owner-page"},
    "remove-member": {"POST": "workspace-owner-page"},
    "invitation": {"GET": "public", "POST": "authenticated-page"},
    "admin:*": {"GET": "staff"},
    "healthz": {"GET": "public"},
    "readyz": {"GET": "public"},
    "api-previews": {"POST": "authenticated"},
    "api-datasets": {"GET": "authenticated", "POST": "authenticated"},
    "api-dataset": {"GET": "dataset-view", "PATCH": "dataset-edit", "DELETE": "dataset-edit"},
    "api-cancel": {"POST": "dataset-edit"},
    "api-points": {"GET": "dataset-view"},
    "api-point": {"GET": "dataset-view"},
    "api-point-neighbors": {"GET": "dataset-view"},
    "api-columns": {"GET": "dataset-view"},
    "api-column": {"GET": "dataset-view"},
    "api-column-top": {"GET": "dataset-view"},
    "api-text-lengths": {"GET": "dataset-view"},
    "api-outliers": {"GET": "dataset-view"},
    "api-topics": {"GET": "dataset-view"},
    "api-topic": {"PATCH": "dataset-edit"},
    "api-topics-merge": {"POST": "dataset-edit"},
    "api-topics-move-rows": {"POST": "dataset-edit"},
    "api-topic-split": {"POST": "dataset-edit"},
    "api-topic-name": {"POST": "dataset-edit"},
    "api-explain": {"POST": "dataset-view"},
    "api-duplicates": {"GET": "dataset-view"},
    "api-duplicate-rows": {"GET": "dataset-view"},
    "api-classifications": {"GET": "dataset-view", "POST": "dataset-edit"},
    "api-classification": {"GET": "dataset-view", "DELETE": "dataset-edit"},
    "api-classification-tags": {"POST": "dataset-edit"},
    "api-search": {"GET": "dataset-view"},
    "api-query": {"POST": "dataset-view"},
    "api-relayout": {"POST": "dataset-edit"},
    "api-rows": {"POST": "dataset-edit"},
    "api-tags": {"GET": "dataset-view", "POST": "dataset-edit"},
    "api-tag": {"DELETE": "dataset-edit"},
    "api-tag-rows": {"GET": "dataset-view", "POST": "dataset-edit", "DELETE": "dataset-edit"},
    "api-export": {"POST": "dataset-view"},
    "api-table": {"POST": "dataset-view"},
    "api-share-links": {"GET": "dataset-edit", "POST": "dataset-edit"},
    "api-share-link": {"DELETE": "dataset-edit"},
    "api-embedding-text": {"POST": "authenticated"},
    "api-embedding-image": {"POST": "authenticated"},
    "openai-embeddings": {"POST": "authenticated"},
    "openai-models": {"GET": "authenticated"},
    "openai-model": {"GET": "authenticated"},
    "api-user": {"GET": "authenticated"},
    "openapi-json": {"GET": "public"},
    "openapi-view": {"GET": "public"},
}
# The admin is Django's; its many routes share one door, tried at its index.
REPRESENTATIVE = {"admin:*": "admin:index"}
QUERY = {"api-search": "?q=http+client", "api-point-neighbors": "?k=2"}


# The API's routes are one namespace, each route its own door; they are reversed as "api:<name>".
API_NAMESPACE = "api"


def routes(resolver: URLResolver | None = None) -> dict[str, URLPattern | URLResolver]:
    """Every named route of the URLconf; a whole namespace (Django's admin) counts as one door, "admin:*"."""
    found: dict[str, URLPattern | URLResolver] = {}
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == API_NAMESPACE:
            found |= routes(entry)
        elif isinstance(entry, URLResolver) and entry.namespace:
            found[f"{entry.namespace}:*"] = entry
        elif isinstance(entry, URLResolver):
            found |= routes(entry)
        else:
            assert entry.name, f"the route {entry.pattern} has no name; name it and add it to DOORS"
            found[entry.name] = entry
    return found


def test_every_route_of_the_urlconf_has_a_line_in_the_access_table() -> None:
    missing = set(routes()) - set(DOORS)
    assert not missing, f"routes with no access decision: {sorted(missing)}; add them to DOORS"
    assert not set(DOORS) - set(routes()), "DOORS names routes that no longer exist"


@dataclass
class World:
    dataset: Dataset
    team: Workspace
    clients: dict[str, Client]
    kwargs: dict[str, object]
    share_secret: str
    invite_secret: str


@pytest.fixture
def world(tmp_path: Path) -> World:
    owner, editor, viewer, outsider = (
        create_user(f"{who}@example.org") for who in ("owner", "editor", "viewer", "out")
    )
    team = team_actions.create_workspace(owner, "Team A")
    team_actions.create_workspace(outsider, "Team B")
    Membership.objects.create(workspace=team, user=editor, role=Role.EDITOR)
    viewer_membership = Membership.objects.create(workspace=team, user=viewer, role=Role.VIEWER)
    upload = tmp_path / "rows.csv"
    upload.write_text("text,lang\nhttp client,py\nweb server,go\ndata frames,py\n")
    dataset = Dataset.objects.create(
        workspace=team,
        name="private map",
        source_filename="rows.csv",
        upload_path=str(upload),
        text_field="text",
        columns=["text", "lang"],
        model_name="all-MiniLM-L6-v2",
        status=Dataset.Status.READY,
        stage=Dataset.Stage.DONE,
        row_count=3,
        topic_count=1,
        finished_at=timezone.now(),
    )
    rng = np.random.default_rng(0)
    for row, (text, lang) in enumerate([("http client", "py"), ("web server", "go"), ("data frames", "py")]):
        vector = rng.normal(size=384)
        Point.objects.create(
            dataset=dataset, row_id=row, text=text, fields={"text": text, "lang": lang},
            embedding=(vector / np.linalg.norm(vector)).tolist(), x=float(row), y=0.0, topic=0,
        )  # fmt: skip
    Topic.objects.create(dataset=dataset, topic_id=0, label="all", size=3, x=1.0, y=0.0)
    tag = Tag.objects.create(dataset=dataset, name="checked", colour="#336699")
    classification = Classification.objects.create(dataset=dataset, label_field="lang", column="lang_guess")
    valid = team_actions.create_share_link(dataset, owner, "valid", None, "http://testserver")
    revoked = team_actions.create_share_link(dataset, owner, "revoked", None, "http://testserver")
    team_actions.revoke_share_link(dataset, owner, str(revoked.link.id))
    expired = team_actions.create_share_link(dataset, owner, "expired", 1, "http://testserver")
    ShareLink.objects.filter(id=expired.link.id).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    invite = team_actions.invite(team, owner, "", "viewer", "http://testserver")
    token = team_actions.create_api_token(owner, "matrix")

    clients = {role: Client() for role in ROLES}
    for role, user in (("viewer", viewer), ("editor", editor), ("owner", owner), ("outsider", outsider)):
        clients[role].force_login(user)
    clients["token"].defaults["HTTP_AUTHORIZATION"] = f"Bearer {token.secret}"
    clients["bad_token"].defaults["HTTP_AUTHORIZATION"] = "Bearer atl_not-a-token"
    cookie = f"{SHARE_COOKIE_PREFIX}{dataset.id}"
    for role, new in (("share", valid), ("revoked", revoked), ("expired", expired)):
        clients[role].cookies[cookie] = new.url.rsplit("/", 1)[1]
    kwargs = {
        "dataset_id": dataset.id,
        "row_id": 0,
        "tag_id": tag.id,
        "topic_id": 0,
        "classification_id": classification.id,
        "name": "lang",
        "link_id": valid.link.id,
        "workspace_id": team.id,
        "membership_id": viewer_membership.id,
        "invitation_id": invite.invitation.id,
        "token_id": token.token.id,
        "uidb64": "MQ",
        "token": "set-password",
        "model_id": settings.EMBED_MODEL,
    }
    return World(dataset, team, clients, kwargs, valid.url.rsplit("/", 1)[1], invite.url.rsplit("/", 1)[1])


def url_for(world: World, route: str) -> str:
    if route in REPRESENTATIVE:
        return reverse(REPRESENTATIVE[route])
    pattern = routes()[route]
    kwargs = {key: world.kwargs[key] for key in pattern.pattern.converters if key != "secret"}
    if "secret" in pattern.pattern.converters:
        kwargs["secret"] = world.share_secret if route == "open-share" else world.invite_secret
    name = REPRESENTATIVE.get(route, route)
    if name not in get_resolver().reverse_dict:
        name = f"{API_NAMESPACE}:{name}"
    return reverse(name, kwargs=kwargs) + QUERY.get(route, "")


CASES = [(route, method) for route, doors in DOORS.items() for method in doors]
_addresses = itertools.count(1)


def outcome(response: HttpResponse) -> str | int:
    status = response.status_code
    if status in (301, 302) and "login" in response.get("Location", ""):
        return LOGIN
    if status in (401, 403, 404) or (status >= 500 and status != 503):  # readyz may say 503: not a door
        return status
    return OK


@pytest.mark.parametrize(("route", "method"), CASES, ids=[f"{r}-{m}" for r, m in CASES])
def test_each_route_answers_each_caller_as_its_access_class_says(world: World, route: str, method: str) -> None:
    url = url_for(world, route)
    wrong = []
    for role in ROLES:
        n = next(_addresses)
        # Each caller's request is undone afterwards (a DELETE must not hide the map from the next
        # caller), and comes from its own address, so the log-in and sign-up rate limits never interfere.
        with transaction.atomic():
            response = world.clients[role].generic(
                method, url, REMOTE_ADDR=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
            )
            transaction.set_rollback(True)
        want, got = expected(DOORS[route][method], role), outcome(response)
        if got != want:
            wrong.append(
                f"{role}: wanted {want}, got {response.status_code} {response.get('Location', '')} "
                f"{response.content[:200]!r}"
            )
    assert not wrong, f"{method} {url}\n" + "\n".join(wrong)
