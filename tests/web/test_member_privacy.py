"""The pages of members' own data: "Download my data" on the profile, erasing a member from the member page."""
from __future__ import annotations

import io
import zipfile

import sqlalchemy as sa

from ambassador.models import AuditEvent, Membership, User
from ambassador.services.audit import actions


def _signed_in(make, login, role="ambassador", org=None, **kw):
    membership = make.member(org or make.org(), role=role, **kw)
    login(membership.user)
    return membership


def test_the_profile_offers_the_download_and_it_is_a_zip(client, db, make, login):
    me = _signed_in(make, login, email="dora@example.test", name="Dora Download")
    page = client.get("/profile").get_data(as_text=True)
    assert 'action="/profile/my-data"' in page and "Download my data" in page
    assert "switch to it and download there" in page  # which organization's data, said before the click
    response = client.post("/profile/my-data")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert "dora@example.test" in archive.read("profile.json").decode()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == actions.MEMBER_DATA_EXPORTED))
    assert event.actor_user_id == me.user_id and event.via == "web" and event.ip


def test_downloads_are_throttled_per_member(app, client, db, make, login, monkeypatch):
    monkeypatch.setitem(app.config["FORM_THROTTLES"], "data_export", (1, 300))
    _signed_in(make, login)
    assert client.post("/profile/my-data").status_code == 200
    again = client.post("/profile/my-data")
    assert again.status_code == 429 and "Retry-After" in again.headers
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == actions.MEMBER_DATA_EXPORTED)) == 1


def test_the_download_needs_the_csrf_token(app, client, make, login, monkeypatch):
    _signed_in(make, login)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/profile/my-data").status_code == 400


def test_an_admin_erases_a_member_after_typing_their_address(client, db, make, login):
    admin = _signed_in(make, login, role="admin")
    zoe = make.member(admin.organization, email="zoe@example.test", name="Zoe Zapp")
    page = client.get(f"/members/{zoe.id}").get_data(as_text=True)
    assert f'href="/members/{zoe.id}/erase"' in page
    form = client.get(f"/members/{zoe.id}/erase").get_data(as_text=True)
    assert "their account stays for those" in form and "zoe@example.test" in form
    wrong = client.post(f"/members/{zoe.id}/erase", data={"confirmation": "someone@example.test"})
    assert wrong.status_code == 200 and "Type the member&#39;s email address exactly" in wrong.get_data(as_text=True)
    assert db.session.get(Membership, zoe.id).user.email == "zoe@example.test"
    done = client.post(f"/members/{zoe.id}/erase", data={"confirmation": "zoe@example.test"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, zoe.id).user.is_erased
    assert db.session.scalar(sa.select(User).where(User.email == "zoe@example.test")) is None
    members = client.get("/members?status=active").get_data(as_text=True)
    assert "Zoe Zapp" not in members and "Erased member" in members and "Personal data erased" in members
    assert "erased.invalid" not in members


def test_only_admins_of_the_same_organization_can_erase(client, db, make, login):
    org_a = make.org()
    victim = make.member(org_a, email="victim@example.test")
    _signed_in(make, login, role="admin")  # an admin of another organization
    assert client.get(f"/members/{victim.id}/erase").status_code == 404
    assert client.post(f"/members/{victim.id}/erase", data={"confirmation": "victim@example.test"}).status_code == 404
    client.post("/logout")
    _signed_in(make, login, role="manager", org=org_a)
    assert client.post(f"/members/{victim.id}/erase",
                       data={"confirmation": "victim@example.test"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Membership, victim.id).user.email == "victim@example.test"


def test_an_admin_cannot_erase_themselves(client, db, make, login):
    admin = _signed_in(make, login, role="admin")
    response = client.get(f"/members/{admin.id}/erase")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/members/{admin.id}")
