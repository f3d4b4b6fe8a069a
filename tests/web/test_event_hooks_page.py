"""The webhooks settings pages: admins only, the own organization's endpoints only, CSRF on every form, the
secret shown once, clear messages, test events, the delivery log and redelivery."""
from __future__ import annotations

import sqlalchemy as sa

from ambassador.jobs import tasks
from ambassador.models import AuditEvent, EventHook, EventHookDelivery
from ambassador.services.hooks import endpoints


def test_admin_adds_an_endpoint_and_sees_the_secret_once(app, db, make, login, hook_receiver):
    org = make.org()
    admin = make.member(org, role="admin")
    client = login(admin.user)
    assert "Add an endpoint" in client.get("/settings/webhooks").get_data(as_text=True)
    bad = client.post("/settings/webhooks", data={"url": "ftp://127.0.0.1/x", "events": ["idea.submitted"]})
    assert bad.status_code == 200 and "The URL must start with https://." in bad.get_data(as_text=True)
    none = client.post("/settings/webhooks", data={"url": hook_receiver.url})
    assert "Choose at least one event." in none.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventHook)) == 0

    created = client.post("/settings/webhooks", data={"url": hook_receiver.url, "description": "CRM sync",
                                                      "events": ["idea.submitted", "member.joined"]})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    [hook] = db.session.scalars(sa.select(EventHook)).all()
    secret = endpoints.secret_of(hook)
    assert secret in created.get_data(as_text=True)
    assert (hook.org_id, hook.events, hook.description) == (org.id, ["member.joined", "idea.submitted"], "CRM sync")
    listed = client.get("/settings/webhooks").get_data(as_text=True)
    detail = client.get(f"/settings/webhooks/{hook.id}").get_data(as_text=True)
    assert hook_receiver.url in listed and secret not in listed and secret not in detail
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "webhook.created"))
    assert event.actor_user_id == admin.user_id and event.ip == "127.0.0.1"

    rotated = client.post(f"/settings/webhooks/{hook.id}/rotate")
    db.session.expire_all()
    new_secret = endpoints.secret_of(db.session.get(EventHook, hook.id))
    assert new_secret != secret and new_secret in rotated.get_data(as_text=True)


def test_test_event_delivery_log_and_redeliver(app, db, make, login, hook_receiver):
    org = make.org()
    hook, secret = endpoints.create_hook(org_id=org.id, url=hook_receiver.url, description="", actor=None,
                                         events=["idea.submitted"])
    client = login(make.member(org, role="admin").user)
    hook_receiver.secret = "whsec_" + "A" * 44  # not the endpoint's secret: refused
    refused = client.post(f"/settings/webhooks/{hook.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "The test event was not accepted: HTTP 401" in refused
    hook_receiver.secret = secret
    sent = client.post(f"/settings/webhooks/{hook.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "Test event accepted" in sent and hook_receiver.received[-1]["body"]["type"] == "webhook.test"

    endpoints.emit(org.id, "idea.submitted", {"idea_id": 5})
    db.session.commit()
    tasks.deliver_event_hooks()
    log = client.get(f"/settings/webhooks/{hook.id}").get_data(as_text=True)
    assert "idea.submitted" in log and "Delivered" in log and "204" in log and "Failed" in log
    delivered = db.session.scalar(sa.select(EventHookDelivery).where(EventHookDelivery.event_type == "idea.submitted"))
    again = client.post(f"/settings/webhooks/{hook.id}/deliveries/{delivered.id}/redeliver", follow_redirects=True)
    assert "queued again" in again.get_data(as_text=True)
    tasks.deliver_event_hooks()
    assert [r["headers"]["webhook-id"] for r in hook_receiver.received[-2:]] == [delivered.event_id] * 2

    hook_id = hook.id
    assert client.post(f"/settings/webhooks/{hook_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(EventHook, hook_id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventHookDelivery)
                             .where(EventHookDelivery.hook_id == hook_id)) == 0
    assert db.session.scalar(sa.select(AuditEvent.target_label).where(AuditEvent.action == "webhook.deleted")) \
        == hook_receiver.url


def test_disable_and_enable_from_the_settings_form(app, db, make, login, hook_receiver):
    org = make.org()
    hook, _ = endpoints.create_hook(org_id=org.id, url=hook_receiver.url, description="", actor=None,
                                    events=["idea.submitted"])
    client = login(make.member(org, role="admin").user)
    client.post(f"/settings/webhooks/{hook.id}", data={"url": hook.url, "events": ["idea.submitted"]})
    db.session.expire_all()
    assert db.session.get(EventHook, hook.id).disabled_at is not None
    client.post(f"/settings/webhooks/{hook.id}", data={"url": hook.url, "events": ["share.failed"], "enabled": "y"})
    db.session.expire_all()
    changed = db.session.get(EventHook, hook.id)
    assert changed.disabled_at is None and changed.events == ["share.failed"]
    details = [e.details for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "webhook.changed").order_by(AuditEvent.id))]
    assert details[0] == {"enabled": {"old": True, "new": False}}
    assert details[1]["events"] == {"old": ["idea.submitted"], "new": ["share.failed"]}


def test_forms_need_csrf_admins_and_the_own_organization(app, db, make, login, hook_receiver, monkeypatch):
    org, other = make.org(), make.org()
    foreign, _ = endpoints.create_hook(org_id=other.id, url=hook_receiver.url, description="", actor=None,
                                       events=["idea.submitted"])
    mine, _ = endpoints.create_hook(org_id=org.id, url=hook_receiver.url, description="", actor=None,
                                    events=["idea.submitted"])
    endpoints.emit(other.id, "idea.submitted", {"idea_id": 1})
    foreign_delivery = db.session.scalar(sa.select(EventHookDelivery).where(EventHookDelivery.hook_id == foreign.id))
    for role in ("manager", "curator"):
        client = login(make.member(org, role=role).user)
        assert client.get("/settings/webhooks").status_code == 403
        assert client.get(f"/settings/webhooks/{mine.id}").status_code == 403
        client.post("/logout")
    client = login(make.member(org, role="admin").user)
    for path in (f"/settings/webhooks/{foreign.id}", f"/settings/webhooks/{foreign.id}/test",
                 f"/settings/webhooks/{foreign.id}/rotate", f"/settings/webhooks/{foreign.id}/delete",
                 f"/settings/webhooks/{foreign.id}/deliveries/{foreign_delivery.id}/redeliver",
                 f"/settings/webhooks/{mine.id}/deliveries/{foreign_delivery.id}/redeliver"):
        assert client.post(path).status_code == 404, path
    assert client.get(f"/settings/webhooks/{foreign.id}").status_code == 404
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for path in (f"/settings/webhooks/{mine.id}/test", f"/settings/webhooks/{mine.id}/rotate",
                 f"/settings/webhooks/{mine.id}/delete"):
        assert client.post(path).status_code == 400, path
    assert client.post("/settings/webhooks", data={"url": hook_receiver.url, "events": ["idea.submitted"]}
                       ).status_code == 400
    assert hook_receiver.received == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventHook)) == 2
