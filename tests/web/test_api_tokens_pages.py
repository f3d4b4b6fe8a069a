"""The token pages: create (shown once, stored hashed), list, revoke; integration tokens for admins only."""
from __future__ import annotations

import sqlalchemy as sa

from ambassador.models import ApiToken


def test_a_member_creates_sees_once_and_revokes_a_token(make, login, db):
    org = make.org()
    member = make.member(org)
    client = login(member.user)
    page = client.post("/settings/tokens", data={"name": "Script", "scopes": ["shares:read"],
                                                 "expires_in_days": "30"})
    assert page.status_code == 200
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.membership_id == member.id))
    html = page.get_data(as_text=True)
    secret = html.split('id="secret" class="input" readonly value="')[1].split('"')[0]
    assert secret.startswith("amb_pat_") and token.token_hash != secret and secret not in token.token_hash
    assert client.get("/api/v1/shares", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = client.get("/settings/tokens").get_data(as_text=True)
    assert "Script" in listing and secret not in listing  # shown once
    assert client.post(f"/settings/tokens/{token.id}/revoke").status_code == 302
    assert client.get("/api/v1/shares", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_bad_input_gets_messages_and_writes_nothing(make, login, db):
    member = make.member(make.org())
    client = login(member.user)
    page = client.post("/settings/tokens", data={"name": "", "expires_in_days": "30"})
    assert page.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def _signed_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": "correct horse battery"}).status_code == 302
    return client


def test_integration_tokens_are_for_admins_and_others_cannot_revoke(app, make, login, db):
    org = make.org()
    admin = make.member(org, role="admin")
    manager = make.member(org, role="manager")
    client = login(admin.user)
    page = client.post("/org/integration-tokens", data={"name": "CRM", "scopes": ["members:read"],
                                                        "expires_in_days": "90"})
    assert "amb_org_" in page.get_data(as_text=True)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.org_id == org.id))
    assert token.kind == "integration" and token.membership_id is None
    other = make.member(make.org(), role="admin")
    assert _signed_in(app, other.user).post(f"/settings/tokens/{token.id}/revoke").status_code == 404
    assert token.revoked_at is None
    assert _signed_in(app, manager.user).get("/org/integration-tokens").status_code == 403
