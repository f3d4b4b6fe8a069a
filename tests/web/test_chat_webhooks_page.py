"""The Slack & Teams settings page: admins only, CSRF on every form, clear messages, the test button."""
from __future__ import annotations

import sqlalchemy as sa

from ambassador.models import WebhookDelivery, WebhookEndpoint
from ambassador.services.notify import webhooks
from tests.services.notify.fake_chat import SLACK_PATH, TEAMS_PATH


def test_admin_adds_a_webhook_and_a_bad_url_gets_a_clear_message(db, make, login, chat):
    org = make.org()
    team = make.team(org, "Stores")
    client = login(make.member(org, role="admin").user)
    page = client.get("/settings/chat")
    assert page.status_code == 200 and "Stores" in page.get_data(as_text=True)

    bad = client.post("/settings/chat", data={"kind": "slack", "url": "ftp://127.0.0.1/x", "team_id": ""})
    assert bad.status_code == 200 and "The URL must start with https://." in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0

    saved = client.post("/settings/chat", data={"kind": "teams", "url": chat.url(TEAMS_PATH), "team_id": str(team.id)},
                        follow_redirects=True)
    assert "Webhook saved." in saved.get_data(as_text=True)
    [endpoint] = db.session.scalars(sa.select(WebhookEndpoint)).all()
    assert (endpoint.org_id, endpoint.team_id, endpoint.kind) == (org.id, team.id, "teams")
    assert TEAMS_PATH not in saved.get_data(as_text=True)  # the secret URL is never shown again


def test_test_button_reports_success_and_failure(db, make, login, chat):
    org = make.org()
    ok = webhooks.add_endpoint(org=org, kind="slack", url=chat.url(SLACK_PATH))
    gone = webhooks.add_endpoint(org=org, kind="teams", url=chat.url(TEAMS_PATH))
    client = login(make.member(org, role="admin").user)

    sent = client.post(f"/settings/chat/{ok.id}/test", follow_redirects=True)
    assert "Test message sent to 127.0.0.1" in sent.get_data(as_text=True)
    assert chat.received[-1]["body"]["text"].startswith(f"Test message from {org.name}")

    chat.script[TEAMS_PATH] = [(404, "no_service")]
    failed = client.post(f"/settings/chat/{gone.id}/test", follow_redirects=True)
    text = failed.get_data(as_text=True)
    assert "no longer exists (HTTP 404: no_service); it is turned off" in text
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, gone.id).disabled_at is not None
    statuses = db.session.scalars(sa.select(WebhookDelivery.status).order_by(WebhookDelivery.id)).all()
    assert statuses == ["sent", "failed"]

    chat.script[SLACK_PATH] = [(500, "oops")]
    refused = client.post(f"/settings/chat/{ok.id}/test", follow_redirects=True)
    assert "The test message was not accepted (HTTP 500: oops)." in refused.get_data(as_text=True)


def test_forms_need_csrf_and_admins_and_the_own_organization(app, db, make, login, chat, monkeypatch):
    org, other = make.org(), make.org()
    foreign = webhooks.add_endpoint(org=other, kind="slack", url=chat.url(SLACK_PATH))
    mine = webhooks.add_endpoint(org=org, kind="slack", url=chat.url(SLACK_PATH))
    admin = make.member(org, role="admin")
    ambassador = make.member(org)
    client = login(ambassador.user)
    assert client.get("/settings/chat").status_code == 403
    client.post("/logout")
    client = login(admin.user)
    assert client.post(f"/settings/chat/{foreign.id}/test").status_code == 404
    assert client.post(f"/settings/chat/{foreign.id}/delete").status_code == 404
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(f"/settings/chat/{mine.id}/delete").status_code == 400
    assert client.post(f"/settings/chat/{mine.id}/test").status_code == 400
    assert chat.received == []
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    mine_id, foreign_id = mine.id, foreign.id
    assert client.post(f"/settings/chat/{mine_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, mine_id) is None and db.session.get(WebhookEndpoint, foreign_id)
