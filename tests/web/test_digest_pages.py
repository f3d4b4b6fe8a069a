"""The digest preference on the profile page and the unsubscribe link (a confirm page, and one click per
RFC 8058: a POST with List-Unsubscribe=One-Click from the mail client, no session, no CSRF token)."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ambassador.models import Membership
from ambassador.services.notify import digests


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _path(link: str) -> str:
    return urlsplit(link).path


def test_profile_sets_the_digest_frequency(db, make, login):
    org = make.org()
    me = make.member(org)
    assert me.digest_frequency == "weekly"  # the default
    client = login(me.user)
    page = client.get("/profile")
    assert 'name="digest_frequency"' in page.get_data(as_text=True)
    response = client.post("/profile", data={"name": "Me", "locale": "", "timezone": "Europe/Brussels",
                                             "queue_times": "08:30", "digest_frequency": "daily"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, me.id).digest_frequency == "daily"
    refused = client.post("/profile", data={"name": "Me", "locale": "", "timezone": "Europe/Brussels",
                                            "queue_times": "08:30", "digest_frequency": "hourly"})
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Membership, me.id).digest_frequency == "daily"


def test_get_asks_post_one_click_unsubscribes(db, make, client, csrf_on):
    org = make.org(name="Lumière")
    me = make.member(org)
    path = _path(digests.unsubscribe_link(me))
    page = client.get(path)
    assert page.status_code == 200 and "Stop receiving the email digest of Lumière" in page.get_data(as_text=True)
    assert db.session.get(Membership, me.id).digest_frequency == "weekly"  # a GET (link preview) changes nothing

    response = client.post(path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "You are unsubscribed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Membership, me.id).digest_frequency == "off"


def test_a_forged_or_foreign_token_is_refused(db, make, client):
    org = make.org()
    me = make.member(org)
    token = digests.unsubscribe_token(me)
    assert client.post(f"/digest/unsubscribe/{token}x").status_code == 404
    assert client.get("/digest/unsubscribe/eyJtIjoxfQ.forged").status_code == 404
    assert db.session.get(Membership, me.id).digest_frequency == "weekly"


def test_the_outbox_shows_a_digest_with_its_unsubscribe_headers(db, make, login):
    org = make.org()
    admin = make.member(org, role="admin")
    make.post(make.campaign(org), title="Fresh news")
    assert digests.send_digest(membership_id=admin.id, period="2026-W49") == "sent"
    page = login(admin.user).get("/outbox").get_data(as_text=True)
    assert "Your week at" in page and "Fresh news" in page
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in page
