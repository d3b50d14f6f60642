"""Links that carry a view: a share link shows its map at its own address (query string kept), its secret
works as a header where cookies do not reach (an embed), editors make and revoke links through the API,
only share-link pages may be framed and only by the listed origins, and a map one may not see answers
exactly as a missing one."""

import pytest
from django.test import Client
from django.test.utils import override_settings

from atlas.env import embed_origins
from maps.views import NO_SUCH_MAP
from teams import actions as team_actions
from teams.models import Membership, Role, ShareLink
from tests.accounts import create_user, logged_in_client
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db


def shared_map() -> tuple[object, str, object]:
    owner = create_user("owner@example.org")
    dataset = create_synthetic_map("shared", team_actions.ensure_personal_workspace(owner)).dataset
    new = team_actions.create_share_link(dataset, owner, "", None, "http://testserver")
    return dataset, new.url.rsplit("/", 1)[1], owner


def test_a_share_link_shows_the_map_at_its_own_address_with_the_view_kept() -> None:
    dataset, secret, _ = shared_map()
    anonymous = Client()
    page = anonymous.get(f"/s/{secret}", {"q": "command line", "p": "81", "c": "\x00tags"})
    # No redirect: the address the recipient sees is the link, with its view, and passes on as it is.
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-dataset-id="{dataset.id}"' in body and 'data-mode="shared"' in body
    assert 'id="sharing-link"' not in body, "a visitor through a link gets no sharing page"
    assert page.cookies[f"atlas_share_{dataset.id}"].value == secret
    # The cookie it set opens the map's own address in the same browser too.
    assert anonymous.get(f"/maps/{dataset.id}").status_code == 200


def test_the_share_header_opens_that_map_alone_where_no_cookie_is_sent() -> None:
    dataset, secret, owner = shared_map()
    other = create_synthetic_map("other", team_actions.ensure_personal_workspace(owner)).dataset
    anonymous = Client()
    assert anonymous.get(f"/api/v1/datasets/{dataset.id}/topics", headers={"X-Atlas-Share": secret}).status_code == 200
    assert anonymous.get(f"/api/v1/datasets/{other.id}/topics", headers={"X-Atlas-Share": secret}).status_code == 404
    assert (
        anonymous.get(f"/api/v1/datasets/{dataset.id}/topics", headers={"X-Atlas-Share": "x" * 43}).status_code == 404
    )
    assert anonymous.delete(f"/api/v1/datasets/{dataset.id}", headers={"X-Atlas-Share": secret}).status_code == 403


def test_a_missing_map_and_a_private_one_answer_the_same_and_strangers_may_log_in() -> None:
    dataset, _, _ = shared_map()
    stranger = logged_in_client(create_user("stranger@example.org"))
    private = stranger.get(f"/maps/{dataset.id}")
    missing = stranger.get("/maps/00000000-0000-4000-8000-000000000000")
    assert private.status_code == missing.status_code == 404
    assert NO_SUCH_MAP in private.content.decode() and NO_SUCH_MAP in missing.content.decode()
    assert str(dataset.id) not in private.content.decode()
    assert 'id="log-in"' not in private.content.decode(), "a logged-in stranger is not asked to log in"
    anonymous = Client().get(f"/maps/{dataset.id}?q=x")
    assert anonymous.status_code == 404 and NO_SUCH_MAP in anonymous.content.decode()
    assert f'href="/accounts/login/?next=/maps/{dataset.id}%3Fq%3Dx"' in anonymous.content.decode()


def test_no_page_may_be_framed_unless_origins_are_listed_and_then_only_share_link_pages_by_them() -> None:
    dataset, secret, owner = shared_map()
    anonymous = Client()
    shared = anonymous.get(f"/s/{secret}")
    assert "frame-ancestors 'none'" in shared["Content-Security-Policy"] and shared["X-Frame-Options"] == "DENY"
    with override_settings(EMBED_ORIGINS=["https://blog.example.org", "http://localhost:4000"]):
        shared = anonymous.get(f"/s/{secret}")
        csp = shared["Content-Security-Policy"]
        assert "frame-ancestors https://blog.example.org http://localhost:4000" in csp
        assert "X-Frame-Options" not in shared
        assert "script-src 'self'" in csp, "the rest of the policy stays"
        own = logged_in_client(owner).get(f"/maps/{dataset.id}")
        assert own["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in own["Content-Security-Policy"]
        assert anonymous.get("/")["X-Frame-Options"] == "DENY"


def test_embed_origins_must_be_origins() -> None:
    assert embed_origins(["https://a.example.org", "http://127.0.0.1:8080", "http://[::1]:3000"]) == [
        "https://a.example.org",
        "http://127.0.0.1:8080",
        "http://[::1]:3000",
    ]
    for wrong in ("a.example.org", "https://a.example.org/page", "javascript:alert(1)", "*"):
        with pytest.raises(ValueError, match="not an origin"):
            embed_origins([wrong])


def test_editors_make_list_and_revoke_share_links_through_the_api_and_viewers_may_not() -> None:
    dataset, _, owner = shared_map()
    client = logged_in_client(owner)
    made = client.post(
        f"/api/v1/datasets/{dataset.id}/share-links",
        {"label": "for the blog", "expires_in_days": 30},
        content_type="application/json",
    )
    assert made.status_code == 201
    answer = made.json()
    assert answer["url"].startswith("http://testserver/s/") and answer["label"] == "for the blog"
    assert answer["expires_at"] is not None and answer["revoked"] is False
    secret = answer["url"].rsplit("/", 1)[1]
    assert Client().get(f"/s/{secret}?q=json").status_code == 200

    listed = client.get(f"/api/v1/datasets/{dataset.id}/share-links").json()["links"]
    assert [link["label"] for link in listed] == ["for the blog", ""]
    assert all("url" not in link for link in listed), "a secret is shown once, when it is made"

    assert client.delete(f"/api/v1/datasets/{dataset.id}/share-links/{answer['id']}").status_code == 204
    assert Client().get(f"/s/{secret}").status_code == 404
    assert ShareLink.objects.get(id=answer["id"]).revoked_at is not None

    viewer = create_user("viewer@example.org")
    Membership.objects.create(workspace=dataset.workspace, user=viewer, role=Role.VIEWER)
    refused = logged_in_client(viewer).post(
        f"/api/v1/datasets/{dataset.id}/share-links", {}, content_type="application/json"
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 4000}, "expires_in_days"),
        ({"label": "x" * 201}, "label"),
    ],
)
def test_a_bad_share_link_request_gets_a_specific_error(body: dict[str, object], says: str) -> None:
    dataset, _, owner = shared_map()
    response = logged_in_client(owner).post(
        f"/api/v1/datasets/{dataset.id}/share-links", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert says in response.json()["error"]["message"]


def test_revoking_an_unknown_link_is_a_404_naming_it() -> None:
    dataset, _, owner = shared_map()
    response = logged_in_client(owner).delete(f"/api/v1/datasets/{dataset.id}/share-links/nope")
    assert response.status_code == 404 and "No share link with id 'nope'" in response.json()["error"]["message"]
