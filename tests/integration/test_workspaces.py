"""Team workspaces: invitations by email and by link, roles, the owners-only audit log, where new maps go,
and the home page listing the maps of every workspace a user belongs to."""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from maps.models import Dataset
from teams import actions as team_actions
from teams.models import AuditEvent, Membership, Role, Workspace
from tests.accounts import create_user, logged_in_client
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db


def invite_link(page: bytes) -> str:
    found = re.search(r'id="invite-url">http://testserver(/invites/[^<]+)<', page.decode())
    assert found is not None, page.decode()[-2000:]
    return found.group(1)


def test_an_emailed_invitation_joins_only_that_address_with_the_role_it_names() -> None:
    owner, bob, eve = create_user("owner@example.org"), create_user("bob@example.org"), create_user("eve@example.org")
    team = team_actions.create_workspace(owner, "Team")
    sent = logged_in_client(owner).post(
        f"/workspaces/{team.id}/invitations", {"email": "bob@example.org", "role": "editor"}
    )
    assert sent.status_code == 201
    link = invite_link(sent.content)
    assert len(mail.outbox) == 1 and link in mail.outbox[0].body and mail.outbox[0].to == ["bob@example.org"]

    refused = logged_in_client(eve).post(link)
    assert refused.status_code == 403 and "bob@example.org" in refused.content.decode()
    assert logged_in_client(bob).post(link).status_code == 302
    assert Membership.objects.get(workspace=team, user=bob).role == Role.EDITOR
    assert logged_in_client(bob).get(link).status_code == 404, "an emailed invitation is used once"


def test_an_invite_link_asks_strangers_to_log_in_and_joins_whoever_accepts_it() -> None:
    owner, carol = create_user("owner@example.org"), create_user("carol@example.org")
    team = team_actions.create_workspace(owner, "Team")
    link = invite_link(logged_in_client(owner).post(f"/workspaces/{team.id}/invitations", {"role": "viewer"}).content)
    anonymous = Client()
    assert "Log in" in anonymous.get(link).content.decode()
    assert anonymous.post(link)["Location"].startswith("/accounts/login/")
    logged_in_client(carol).post(link)
    assert Membership.objects.get(workspace=team, user=carol).role == Role.VIEWER


def test_owners_change_roles_and_remove_members_but_a_workspace_keeps_an_owner() -> None:
    owner, bob = create_user("owner@example.org"), create_user("bob@example.org")
    team = team_actions.create_workspace(owner, "Team")
    bob_membership = Membership.objects.create(workspace=team, user=bob, role=Role.VIEWER)
    owner_membership = Membership.objects.get(workspace=team, user=owner)
    client = logged_in_client(owner)
    client.post(f"/workspaces/{team.id}/members/{bob_membership.id}/role", {"role": "editor"})
    assert Membership.objects.get(id=bob_membership.id).role == Role.EDITOR
    last = client.post(f"/workspaces/{team.id}/members/{owner_membership.id}/role", {"role": "viewer"})
    assert last.status_code == 400 and "at least one owner" in last.content.decode()
    bad = client.post(f"/workspaces/{team.id}/members/{bob_membership.id}/role", {"role": "admin"})
    assert bad.status_code == 400 and "owner, editor, viewer" in bad.content.decode()
    client.post(f"/workspaces/{team.id}/members/{bob_membership.id}/remove")
    assert not Membership.objects.filter(id=bob_membership.id).exists()
    actions = list(AuditEvent.objects.filter(workspace=team).values_list("action", flat=True))
    assert actions == ["member.removed", "member.role_changed", "workspace.created"]


def test_the_audit_log_of_membership_and_sharing_shows_to_owners_only() -> None:
    owner, bob = create_user("owner@example.org"), create_user("bob@example.org")
    team = team_actions.create_workspace(owner, "Team")
    Membership.objects.create(workspace=team, user=bob, role=Role.EDITOR)
    dataset = create_synthetic_map("team map", team).dataset
    bob_client = logged_in_client(bob)
    bob_client.post(f"/maps/{dataset.id}/sharing", {"label": "for the press", "expires_in_days": "7"})
    bob_client.post(f"/maps/{dataset.id}/sharing", {"visibility": "public"})
    page = logged_in_client(owner).get(f"/workspaces/{team.id}").content.decode()
    assert 'id="audit-log"' in page
    for action in ("share.created", "map.visibility_changed"):
        assert action in page
    assert "bob@example.org" in page
    assert 'id="audit-log"' not in bob_client.get(f"/workspaces/{team.id}").content.decode()


def test_a_public_map_is_viewable_by_anyone_but_changeable_by_no_outsider() -> None:
    owner = create_user("owner@example.org")
    dataset = create_synthetic_map("open", team_actions.ensure_personal_workspace(owner)).dataset
    anonymous = Client()
    assert anonymous.get(f"/api/v1/datasets/{dataset.id}/topics").status_code == 404
    team_actions.set_visibility(dataset, owner, "public")
    assert anonymous.get(f"/api/v1/datasets/{dataset.id}/topics").status_code == 200
    assert anonymous.get(f"/maps/{dataset.id}").status_code == 200
    assert logged_in_client(create_user("x@example.org")).delete(f"/api/v1/datasets/{dataset.id}").status_code == 403


def test_new_maps_go_to_the_personal_workspace_or_to_a_team_the_caller_may_edit(tmp_path: Path) -> None:
    owner, viewer = create_user("owner@example.org"), create_user("viewer@example.org")
    team = team_actions.create_workspace(owner, "Team")
    Membership.objects.create(workspace=team, user=viewer, role=Role.VIEWER)
    csv = tmp_path / "rows.csv"
    csv.write_text("text\nhello\nworld\n")

    def upload(client: Client, workspace: str) -> tuple[int, dict[str, object]]:
        with csv.open("rb") as handle:
            answer = client.post("/api/v1/datasets", {"file": handle, "text_field": "text", "workspace": workspace})
        return answer.status_code, answer.json()

    status, body = upload(logged_in_client(owner), "")
    assert status == 201 and Dataset.objects.get(id=body["id"]).workspace == team_actions.ensure_personal_workspace(
        owner
    )
    status, body = upload(logged_in_client(owner), str(team.id))
    assert status == 201 and Dataset.objects.get(id=body["id"]).workspace == team
    status, body = upload(logged_in_client(viewer), str(team.id))
    assert status == 403 and "viewer" in str(body)
    status, body = upload(logged_in_client(create_user("out@example.org")), str(team.id))
    assert status == 404
    assert upload(Client(), "")[0] == 401


def test_the_home_page_lists_the_maps_of_every_workspace_of_the_user_and_no_others() -> None:
    alice, bob = create_user("alice@example.org"), create_user("bob@example.org")
    team = team_actions.create_workspace(alice, "Shared team")
    Membership.objects.create(workspace=team, user=bob, role=Role.VIEWER)
    create_synthetic_map("alice personal", team_actions.ensure_personal_workspace(alice))
    create_synthetic_map("team map", team)
    create_synthetic_map("bob personal", team_actions.ensure_personal_workspace(bob))
    page = logged_in_client(bob).get("/").content.decode()
    assert "team map" in page and "bob personal" in page and "alice personal" not in page
    assert "Sign up" in Client().get("/").content.decode()
    assert Workspace.objects.filter(personal=True).count() == 2


def test_a_share_secret_passed_as_a_query_parameter_opens_that_map_alone_to_api_clients() -> None:
    owner = create_user("owner@example.org")
    personal = team_actions.ensure_personal_workspace(owner)
    shared, other = create_synthetic_map("shared", personal).dataset, create_synthetic_map("other", personal).dataset
    new = team_actions.create_share_link(shared, owner, "", None, "http://testserver")
    secret = new.url.rsplit("/", 1)[1]
    anonymous = Client()
    assert anonymous.get(f"/api/v1/datasets/{shared.id}/topics", {"share": secret}).status_code == 200
    assert anonymous.get(f"/api/v1/datasets/{other.id}/topics", {"share": secret}).status_code == 404
    assert anonymous.delete(f"/api/v1/datasets/{shared.id}?share={secret}").status_code == 403
    team_actions.revoke_share_link(shared, owner, str(new.link.id))
    assert anonymous.get(f"/api/v1/datasets/{shared.id}/topics", {"share": secret}).status_code == 404


def test_a_removed_member_cannot_come_back_through_the_open_link_they_joined_with() -> None:
    owner, bob, carol, dave = (create_user(f"{name}@example.org") for name in ("owner", "bob", "carol", "dave"))
    team = team_actions.create_workspace(owner, "Team")
    owner_client = logged_in_client(owner)
    link = invite_link(owner_client.post(f"/workspaces/{team.id}/invitations", {"role": "editor"}).content)
    for user in (bob, carol):
        assert logged_in_client(user).post(link).status_code == 302
    removed = Membership.objects.get(workspace=team, user=bob)
    owner_client.post(f"/workspaces/{team.id}/members/{removed.id}/remove")

    refused = logged_in_client(bob).post(link)
    assert refused.status_code == 403
    assert "removed you" in refused.content.decode() and "new invitation" in refused.content.decode()
    assert not Membership.objects.filter(workspace=team, user=bob).exists()
    assert logged_in_client(dave).post(link).status_code == 302, "the link still works for everyone else"
    assert Membership.objects.filter(workspace=team, user__in=[carol, dave]).count() == 2

    # An invitation the owner makes after the removal lets them back in.
    again = invite_link(owner_client.post(f"/workspaces/{team.id}/invitations", {"role": "viewer"}).content)
    assert logged_in_client(bob).post(again).status_code == 302
    assert Membership.objects.get(workspace=team, user=bob).role == Role.VIEWER


def test_staff_see_removals_in_the_admin_and_deleting_one_opens_the_old_link_again() -> None:
    from django.contrib.auth.models import User

    from teams.models import Removal

    owner, bob = create_user("owner@example.org"), create_user("bob@example.org")
    team = team_actions.create_workspace(owner, "Team")
    owner_client = logged_in_client(owner)
    link = invite_link(owner_client.post(f"/workspaces/{team.id}/invitations", {"role": "editor"}).content)
    assert logged_in_client(bob).post(link).status_code == 302
    owner_client.post(f"/workspaces/{team.id}/members/{Membership.objects.get(user=bob, workspace=team).id}/remove")

    staff = Client()
    staff.force_login(User.objects.create_superuser("staff@example.org", "staff@example.org", "staff-pw-123"))
    listing = staff.get("/admin/teams/removal/").content.decode()
    assert "bob@example.org" in listing and "Team" in listing
    removal = Removal.objects.get(workspace=team, user=bob)
    assert staff.post(f"/admin/teams/removal/{removal.id}/delete/", {"post": "yes"}).status_code == 302
    assert logged_in_client(bob).post(link).status_code == 302
