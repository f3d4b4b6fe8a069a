"""Signing and sending event webhooks (Standard Webhooks, https://www.standardwebhooks.com).

Every request is a POST of the delivery's JSON body with three headers:

* ``webhook-id``: the event's id (``msg_…``), the same on retries and redeliveries (receivers deduplicate on it);
* ``webhook-timestamp``: the attempt's time in whole seconds since the epoch (receivers refuse old ones);
* ``webhook-signature``: ``v1,<base64 HMAC-SHA256>`` of ``"{id}.{timestamp}.{body}"``, keyed with the
  base64-decoded part of the endpoint's ``whsec_`` secret.

A 2xx answer is success; anything else (3xx included: redirects are not followed), a timeout (10 s) or a
connection error is a failure, retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (±10 % jitter; the
Standard Webhooks / Svix schedule), then given up. Connections go through infra/safe_http.py's pinned session.

An endpoint is disabled when it keeps failing: when its attempts have failed for DISABLE_AFTER (5 days) without
a single success in between, and at least DISABLE_MIN_FAILURES attempts failed in a row (so one failure after a
quiet week does not count as five days of failing). Its queued deliveries fail with it, the organization's
admins get an email and the audit log a ``webhook.disabled`` event. An admin turns it back on from its page.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...infra import outbox, safe_http
from ...infra.database import changed_rows
from ...infra.email import send_email
from ...infra.urls import absolute_url
from ...models import (
    DeliveryStatus,
    EventHook,
    EventHookDelivery,
    Membership,
    MemberStatus,
    Organization,
    Role,
    utcnow,
)
from ..audit import actions
from ..audit.log import WORKER, record
from . import endpoints as event_hooks

RETRY_DELAYS = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                timedelta(hours=5), timedelta(hours=10), timedelta(hours=10))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
TIMEOUT = (5, 10)  # connect, read (seconds)
CLAIM_TTL = timedelta(minutes=5)
BATCH = 100
DISABLE_AFTER = timedelta(days=5)
DISABLE_MIN_FAILURES = 5
USER_AGENT = "Ambassador-Webhooks/1"


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` value: ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, body: str, *, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"content-type": "application/json", "user-agent": USER_AGENT, "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp), "webhook-signature": sign(secret, msg_id, timestamp, body)}


@dataclass(frozen=True)
class Request:
    url: str
    secret: str
    event_id: str
    body: str


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    error: str = ""
    duration_ms: int = 0


def post(request: Request) -> Outcome:
    """One signed POST through the pinned session (no transaction may be open while it runs)."""
    session = safe_http.session_for(allow_loopback=event_hooks.allow_loopback())
    started = time.monotonic()
    try:
        response = session.post(request.url, data=request.body.encode(), timeout=TIMEOUT, allow_redirects=False,
                                 headers=headers(request.secret, request.event_id, request.body))
    except requests.RequestException as exc:
        reason = "the address is not allowed" if isinstance(exc, requests.ConnectionError) and \
            "Refused to connect" in str(exc) else "could not reach the endpoint"
        return Outcome(ok=False, error=f"{type(exc).__name__}: {reason}",
                       duration_ms=int((time.monotonic() - started) * 1000))
    duration = int((time.monotonic() - started) * 1000)
    if 200 <= response.status_code < 300:
        return Outcome(ok=True, status=response.status_code, duration_ms=duration)
    return Outcome(ok=False, status=response.status_code, duration_ms=duration,
                   error=f"HTTP {response.status_code}: {(response.text or '').strip()[:200]}".strip())


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt, with up to ±10 % jitter."""
    delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1].total_seconds()
    return timedelta(seconds=delay * (0.9 + random.random() / 5))  # noqa: S311 - jitter, not a secret


def claim_due(*, now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Claim (status sending, one attempt more) up to `limit` due deliveries; a stale claim (a worker that died
    mid-send) is queued again, so a receiver may rarely get an event twice (same webhook-id). The caller commits."""
    return outbox.claim_due(EventHookDelivery, now=now or utcnow(), claim_ttl=CLAIM_TTL, limit=limit)


def prepare(delivery_id: int) -> Request | None:
    """What to POST for a claimed delivery (None when it is gone or its endpoint was disabled meanwhile)."""
    delivery = db.session.get(EventHookDelivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.SENDING or delivery.hook.disabled_at is not None:
        return None
    hook = delivery.hook
    return Request(url=hook.url, secret=event_hooks.secret_of(hook), event_id=delivery.event_id, body=delivery.body)


def record_attempt(delivery_id: int, outcome: Outcome | None, *, now: datetime | None = None) -> str:
    """Write what the attempt gave; returns the delivery's new status. The caller commits."""
    now = now or utcnow()
    delivery = db.session.get(EventHookDelivery, delivery_id)
    if delivery is None:
        return "removed"  # its endpoint was deleted meanwhile (the delivery went with it)
    db.session.refresh(delivery)
    hook = delivery.hook
    delivery.claimed_at = None
    if outcome is None:  # the endpoint was disabled after this was queued
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, (hook.disabled_reason or "disabled")[:500]
        db.session.flush()
        return delivery.status
    delivery.last_attempt_at, delivery.response_status = now, outcome.status
    delivery.duration_ms = outcome.duration_ms
    if outcome.ok:
        delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, now, None
        hook.last_success_at, hook.failing_since, hook.consecutive_failures = now, None, 0
    else:
        delivery.last_error = outcome.error[:500]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.QUEUED, now + backoff(delivery.attempts)
        _count_failure(hook, now=now)
    db.session.flush()
    return delivery.status


def _count_failure(hook: EventHook, *, now: datetime) -> None:
    hook.failing_since = hook.failing_since or now
    hook.consecutive_failures = (hook.consecutive_failures or 0) + 1
    if hook.disabled_at is None and now - hook.failing_since >= DISABLE_AFTER \
            and hook.consecutive_failures >= DISABLE_MIN_FAILURES:
        disable(hook, now=now)


def disable(hook: EventHook, *, now: datetime) -> None:
    """Turn off an endpoint that keeps failing: its queued deliveries fail, admins are told, the log says so."""
    reason = f"every delivery failed since {hook.failing_since:%Y-%m-%d %H:%M} UTC"
    hook.disabled_at, hook.disabled_reason = now, reason[:255]
    changed_rows(sa.update(EventHookDelivery)
                 .where(EventHookDelivery.hook_id == hook.id, EventHookDelivery.status == DeliveryStatus.QUEUED)
                 .values(status=DeliveryStatus.FAILED, last_error="endpoint disabled: " + reason)
                 .execution_options(synchronize_session=False))
    record(actions.WEBHOOK_DISABLED, org_id=hook.org_id, actor=None, origin=WORKER, target_type="event_hook",
           target_id=hook.id, target_label=hook.url,
           details={"failing_since": hook.failing_since.isoformat() if hook.failing_since else None,
                    "consecutive_failures": hook.consecutive_failures})
    org = db.session.get_one(Organization, hook.org_id)
    admins = db.session.scalars(sa.select(Membership).where(
        Membership.org_id == hook.org_id, Membership.role == Role.ADMIN, Membership.status == MemberStatus.ACTIVE))
    link = absolute_url("event_hooks.deliveries", hook_id=hook.id)
    for admin in admins:
        send_email(to=admin.user.email, subject=_l("A webhook endpoint of %(org)s was turned off", org=org.name),
                   template="event_hook_disabled", org_id=org.id, locale=admin.user.locale or org.default_locale,
                   user=admin.user, org=org, hook=hook, reason=reason, link=link)


def send_test(*, hook: EventHook) -> Outcome:
    """Send a `webhook.test` event to this endpoint now (the settings page's button) and keep it in its
    delivery log. The POST comes before any write, so no transaction is held while the receiver answers."""
    event_id = event_hooks.new_event_id()
    body = event_hooks.event_body(event_hooks.TEST_EVENT, {"organization_id": hook.org_id, "endpoint_id": hook.id})
    outcome = post(Request(url=hook.url, secret=event_hooks.secret_of(hook), event_id=event_id, body=body))
    now = utcnow()
    delivery = EventHookDelivery(org_id=hook.org_id, hook_id=hook.id, event_id=event_id,
                                 event_type=event_hooks.TEST_EVENT, body=body, attempts=1, next_attempt_at=now,
                                 last_attempt_at=now, response_status=outcome.status,
                                 duration_ms=outcome.duration_ms,
                                 status=DeliveryStatus.SENT if outcome.ok else DeliveryStatus.FAILED,
                                 sent_at=now if outcome.ok else None, last_error=outcome.error[:500] or None)
    db.session.add(delivery)
    db.session.flush()
    return outcome
