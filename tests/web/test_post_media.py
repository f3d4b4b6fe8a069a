"""F-9: a post's image is exactly as visible as the post (the feed's rule); curators and up see all of their org's."""
import os
from datetime import timedelta

import pytest

from ambassador.models import utcnow

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


@pytest.fixture
def with_image(app):
    """Store a real image file for a post, so only the visibility rule can answer 404."""
    def _store(post):
        relative = f"org-{post.org_id}/posts/post-{post.id}.png"
        target = os.path.join(app.config["UPLOAD_FOLDER"], relative)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(PNG)
        post.image_path = relative
        return post
    return _store


def media_status(app, member, post) -> int:
    client = app.test_client()
    response = client.post("/login", data={"email": member.user.email, "password": "correct horse battery"})
    assert response.status_code == 302
    return client.get(f"/posts/{post.id}/media").status_code


def test_internal_only_post_image_is_for_internal_members(app, make, db, with_image):
    org = make.org()
    post = with_image(make.post(make.campaign(org), audience="internal"))
    assert media_status(app, make.member(org, kind="internal"), post) == 200
    assert media_status(app, make.member(org, kind="external"), post) == 404
    everyone = with_image(make.post(make.campaign(org), audience="everyone"))
    assert media_status(app, make.member(org, kind="external"), everyone) == 200


def test_team_restricted_post_image_is_for_the_team(app, make, db, with_image):
    org = make.org()
    team, other = make.team(org), make.team(org)
    post = with_image(make.post(make.campaign(org), teams=[team]))
    assert media_status(app, make.member(org, teams=[team]), post) == 200
    assert media_status(app, make.member(org, teams=[other]), post) == 404
    assert media_status(app, make.member(org), post) == 404
    in_team_campaign = with_image(make.post(make.campaign(org, teams=[team])))
    assert media_status(app, make.member(org, teams=[other]), in_team_campaign) == 404


@pytest.mark.parametrize("window", [
    {"expires_at": timedelta(hours=-1)},
    {"visible_from": timedelta(hours=1)},
])
def test_post_outside_its_window_hides_its_image(app, make, db, with_image, window):
    org = make.org()
    post = with_image(make.post(make.campaign(org), **{k: utcnow() + v for k, v in window.items()}))
    assert media_status(app, make.member(org), post) == 404
    assert media_status(app, make.member(org, role="curator"), post) == 200  # still editable


def test_post_of_an_ended_campaign_hides_its_image(app, make, db, with_image):
    org = make.org()
    post = with_image(make.post(make.campaign(org, ends_at=utcnow() - timedelta(hours=1))))
    assert media_status(app, make.member(org), post) == 404


@pytest.mark.parametrize("status", ["draft", "pending_approval", "changes_requested", "archived"])
def test_unapproved_post_image_is_for_curators_and_up(app, make, db, with_image, status):
    org = make.org()
    post = with_image(make.post(make.campaign(org), status=status, audience="internal"))
    assert media_status(app, make.member(org), post) == 404
    for role in ("curator", "manager", "admin"):
        assert media_status(app, make.member(org, role=role), post) == 200, role


@pytest.mark.parametrize("role", ["ambassador", "curator", "admin"])
def test_another_organizations_member_gets_404(app, make, db, with_image, role):
    post = with_image(make.post(make.campaign(make.org())))
    assert media_status(app, make.member(make.org(), role=role), post) == 404
