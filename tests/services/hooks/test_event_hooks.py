"""Signed event webhooks: endpoints checked and their secrets kept encrypted, events queued with their change
(outbox) by every domain, signed deliveries that the Standard Webhooks reference library verifies on a real
loopback receiver, retries with backoff, redelivery, disabling after five days of failures."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook

from ambassador.infra import crypto
from ambassador.jobs import tasks
from ambassador.models import AuditEvent, EventHook, EventHookDelivery, OutboxEmail, utcnow
from ambassador.services.community import ideas
from ambassador.services.hooks import delivery, endpoints
from ambassador.services.org import members


def _deliveries(db, hook):
    db.session.expire_all()
    return db.session.scalars(sa.select(EventHookDelivery).where(EventHookDelivery.hook_id == hook.id)
                              .order_by(EventHookDelivery.id)).all()


def _refused(**kwargs) -> str:
    with pytest.raises(endpoints.EventHookError) as caught:
        endpoints.create_hook(**kwargs)
    return " ".join(str(m) for msgs in caught.value.field_errors.values() for m in msgs) + str(caught.value.message)


def _hook(org, url, events=("idea.submitted",)):
    return endpoints.create_hook(org_id=org.id, url=url, description="CRM", events=list(events), actor=None)


def test_urls_are_checked_and_the_secret_is_shown_once_and_stored_encrypted(app, db, make, public_dns):
    org = make.org()
    base = {"org_id": org.id, "description": "", "events": ["idea.submitted"], "actor": None}
    assert "https://" in _refused(url="http://crm.example/hook", **base)
    assert "user name" in _refused(url="https://me:pw@crm.example/hook", **base)
    assert "at least one event" in _refused(**{**base, "events": []}, url="https://crm.example/hook")
    assert "at least one event" in _refused(**{**base, "events": ["member.deleted"]}, url="https://crm.example/hook")
    assert "cannot be reached" in _refused(url="https://127.0.0.1/hook", **base)  # loopback refused in production
    assert "cannot be reached" in _refused(url="https://10.1.2.3/hook", **base)
    hook, secret = endpoints.create_hook(url="https://crm.example/hook", **base)
    assert secret.startswith("whsec_") and len(crypto.decrypt(hook.secret_enc)) == len(secret)
    assert secret not in hook.secret_enc and endpoints.secret_of(hook) == secret
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.org_id == org.id)).all()
    assert event.action == "webhook.created" and secret not in json.dumps(event.details)
    rotated = endpoints.rotate_secret(hook=hook, actor=None)
    assert rotated != secret and endpoints.secret_of(hook) == rotated


def test_the_address_is_checked_again_when_connecting(app, db, make, public_dns, monkeypatch):
    """Registered while the name resolved publicly; by delivery time it points at loopback (DNS rebinding)."""
    org = make.org()
    hook, _secret = _hook(org, "https://crm.example/hook")
    endpoints.emit(org.id, "idea.submitted", {"idea_id": 1})
    db.session.commit()
    import socket

    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port))])
    assert tasks.deliver_event_hooks() == {"queued": 1}
    [queued] = _deliveries(db, hook)
    assert "not allowed" in queued.last_error and queued.response_status is None


def test_events_are_signed_and_verified_by_the_reference_library(app, db, make, hook_receiver):
    org = make.org()
    author = make.member(org)
    hook, secret = _hook(org, hook_receiver.url, events=["idea.submitted", "member.joined"])
    other, _ = _hook(org, hook_receiver.url, events=["share.published"])  # not subscribed: nothing for it
    hook_receiver.secret = secret
    idea = ideas.create_idea(org=org, membership=author, title="Night opening", body="")
    [queued] = _deliveries(db, hook)
    assert queued.status == "queued" and _deliveries(db, other) == []
    db.session.commit()

    assert tasks.deliver_event_hooks() == {"sent": 1}
    [got] = hook_receiver.received
    assert got["body"]["type"] == "idea.submitted"
    assert got["body"]["data"] == {"organization_id": org.id, "idea_id": idea.id, "title": "Night opening",
                                   "member_id": author.id}
    assert got["headers"]["webhook-id"] == queued.event_id and got["headers"]["webhook-signature"].startswith("v1,")
    # The signature covers the exact bytes: one changed byte and the reference library refuses it.
    tampered = got["raw"].replace(b"Night", b"Nigh7")
    with pytest.raises(Exception, match="signature"):
        Webhook(secret).verify(tampered, got["headers"])
    [sent] = _deliveries(db, hook)
    assert (sent.status, sent.attempts, sent.response_status) == ("sent", 1, 204)
    assert sent.duration_ms is not None and db.session.get(EventHook, hook.id).last_success_at is not None


def test_a_wrong_secret_is_refused_by_the_receiver_and_retried_with_backoff(app, db, make, hook_receiver):
    org = make.org()
    hook, secret = _hook(org, hook_receiver.url)
    hook_receiver.secret = endpoints.new_secret()  # the receiver holds another secret
    endpoints.emit(org.id, "idea.submitted", {"idea_id": 7})
    db.session.commit()
    now = utcnow()
    assert tasks.deliver_event_hooks(now=now) == {"queued": 1}
    [retry] = _deliveries(db, hook)
    assert hook_receiver.refused[0][0] == 401 and retry.response_status == 401
    assert "HTTP 401" in retry.last_error
    assert timedelta(seconds=4.5) <= retry.next_attempt_at - now <= timedelta(seconds=5.5)  # 5 s ± 10 %
    assert tasks.deliver_event_hooks(now=now + timedelta(seconds=4)) == {}  # not due yet
    hook_receiver.secret = secret
    assert tasks.deliver_event_hooks(now=now + timedelta(seconds=6)) == {"sent": 1}
    [sent] = _deliveries(db, hook)
    assert sent.attempts == 2 and sent.status == "sent"
    assert db.session.get(EventHook, hook.id).consecutive_failures == 0


def test_backoff_schedule_grows_and_gives_up():
    assert [round(delivery.RETRY_DELAYS[n].total_seconds()) for n in range(4)] == [5, 300, 1800, 7200]
    for attempts in range(1, delivery.MAX_ATTEMPTS):
        wait = delivery.backoff(attempts).total_seconds()
        base = delivery.RETRY_DELAYS[attempts - 1].total_seconds()
        assert 0.9 * base <= wait <= 1.1 * base


def test_an_endpoint_failing_for_five_days_is_disabled_and_its_admins_told(app, db, make, hook_receiver):
    org = make.org()
    admin = make.member(org, role="admin")
    make.member(org, role="manager")
    hook, secret = _hook(org, hook_receiver.url)
    hook_receiver.secret = secret
    hook_receiver.script = [(500, "down")] * 20
    start = utcnow()
    for day in range(6):
        endpoints.emit(org.id, "idea.submitted", {"idea_id": day})
        db.session.commit()
        tasks.deliver_event_hooks(now=start + timedelta(days=day, minutes=1))
    db.session.expire_all()
    hook = db.session.get(EventHook, hook.id)
    assert hook.disabled_at is not None and "every delivery failed since" in hook.disabled_reason
    assert {d.status for d in _deliveries(db, hook)} == {"failed"}
    mails = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.org_id == org.id)).all()
    assert [m.to for m in mails] == [admin.user.email]
    assert hook_receiver.url in mails[0].body_text
    disabled = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "webhook.disabled"))
    assert disabled.org_id == org.id and disabled.actor_user_id is None and disabled.via == "worker"
    # Nothing more is queued for it until an admin turns it back on.
    assert endpoints.emit(org.id, "idea.submitted", {"idea_id": 99}) == 0
    endpoints.update_hook(hook=hook, url=hook.url, description="", events=hook.events, enabled=True, actor=None)
    assert hook.consecutive_failures == 0 and endpoints.emit(org.id, "idea.submitted", {"idea_id": 100}) == 1


def test_one_failure_after_a_quiet_week_does_not_disable(app, db, make, hook_receiver):
    org = make.org()
    hook, secret = _hook(org, hook_receiver.url)
    hook_receiver.secret = secret
    hook_receiver.script = [(500, "down"), (500, "down")]
    start = utcnow()
    for day in (0, 8):
        endpoints.emit(org.id, "idea.submitted", {"idea_id": day})
        db.session.commit()
        tasks.deliver_event_hooks(now=start + timedelta(days=day, minutes=1))
    assert db.session.get(EventHook, hook.id).disabled_at is None


def test_redeliver_sends_the_same_event_again_and_test_events(app, db, make, hook_receiver):
    org = make.org()
    hook, secret = _hook(org, hook_receiver.url)
    hook_receiver.secret = secret
    endpoints.emit(org.id, "idea.submitted", {"idea_id": 3})
    db.session.commit()
    tasks.deliver_event_hooks()
    [first] = _deliveries(db, hook)
    endpoints.redeliver(delivery=first)
    db.session.commit()
    tasks.deliver_event_hooks()
    assert [r["headers"]["webhook-id"] for r in hook_receiver.received] == [first.event_id] * 2
    assert hook_receiver.received[0]["raw"] == hook_receiver.received[1]["raw"]
    outcome = delivery.send_test(hook=hook)
    assert outcome.ok and hook_receiver.received[-1]["body"]["type"] == "webhook.test"
    assert _deliveries(db, hook)[-1].event_type == "webhook.test"


def test_member_joining_by_link_emits_member_joined(app, db, make, hook_receiver):
    org = make.org(join_enabled=True)
    hook, _secret = _hook(org, hook_receiver.url, events=["member.joined"])
    user = make.user(name="Ada")
    membership, created = members.join_via_link(target=members.JoinTarget(org=org), user=user)
    assert created
    [queued] = _deliveries(db, hook)
    body = json.loads(queued.body)
    assert body["type"] == "member.joined" and body["data"]["member_id"] == membership.id
    assert body["data"]["email"] == user.email and body["data"]["source"] == "join"


def test_events_of_another_organization_never_reach_an_endpoint(app, db, make, hook_receiver):
    mine, theirs = make.org(), make.org()
    hook, _ = _hook(mine, hook_receiver.url)
    ideas.create_idea(org=theirs, membership=make.member(theirs), title="Theirs", body="")
    assert _deliveries(db, hook) == []
    assert endpoints.get_hook(org_id=theirs.id, hook_id=hook.id) is None
