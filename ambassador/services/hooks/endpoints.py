"""Signed event webhooks (Standard Webhooks, https://www.standardwebhooks.com): the endpoints an admin
registers, and `emit`, which queues one delivery per subscribed endpoint in the caller's transaction (an
outbox: a delivery exists exactly when its event does). The worker signs and sends them
(services/hooks/delivery.py).

Endpoints are https URLs whose host resolves only to public addresses (checked here with a clear message, and
again on every connection: infra/safe_http.py pins the socket to the address it checked). Each has a signing
secret `whsec_<base64 of 32 random bytes>`, shown once when created or rotated, stored encrypted.
"""
from __future__ import annotations

import base64
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from ...errors import ServiceError
from ...extensions import db
from ...infra import crypto
from ...infra.safe_http import UnsafeURL, check_public_url
from ...models import DeliveryStatus, EventHook, EventHookDelivery, User, utcnow
from ..audit import actions
from ..audit.log import Origin, record

# The event types an endpoint may subscribe to, in the order the form lists them.
EVENT_TYPES: dict[str, Any] = {
    "share.published": _l("A share was published on a network"),
    "share.failed": _l("A share could not be published"),
    "member.joined": _l("A member joined"),
    "survey.answered": _l("A survey was answered"),
    "followup.opened": _l("A detractor follow-up was opened"),
    "idea.submitted": _l("An idea was submitted"),
    "redemption.requested": _l("A reward redemption was requested"),
    "challenge.ended": _l("A challenge ended"),
}
TEST_EVENT = "webhook.test"
MAX_HOOKS = 20  # per organization
PAGE = 50


class EventHookError(ServiceError):
    code = "event_hook"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_of(hook: EventHook) -> str:
    return crypto.decrypt(hook.secret_enc)


def allow_loopback() -> bool:
    """WEBHOOKS_ALLOW_HTTP (an operator setting, off in production) lets http:// and loopback receivers in."""
    return bool(current_app.config.get("WEBHOOKS_ALLOW_HTTP"))


def check_url(url: str) -> str:
    """The URL, stripped, when it may receive events; EventHookError with a clear message if not."""
    url = (url or "").strip()
    if not url or len(url) > 1000:
        raise EventHookError(_l("Enter the receiver's URL (at most 1000 characters)."), field="url")
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_loopback() and parts.scheme == "http"):
        raise EventHookError(_l("The URL must start with https://."), field="url")
    if not parts.hostname or parts.username or parts.password or parts.fragment:
        raise EventHookError(_l("Enter a URL with a host name, without a user name, password or #fragment."),
                             field="url")
    try:
        check_public_url(url, allow_loopback=allow_loopback())
    except UnsafeURL as exc:
        raise EventHookError(_l("This URL cannot be reached from the internet (%(why)s).", why=str(exc)),
                             field="url") from exc
    return url


def _check_events(events: list[str]) -> list[str]:
    chosen = [name for name in EVENT_TYPES if name in set(events or [])]
    if not chosen or len(chosen) != len(set(events)):
        raise EventHookError(_l("Choose at least one event."), field="events")
    return chosen


def hooks(*, org_id: int) -> list[EventHook]:
    return list(db.session.scalars(sa.select(EventHook).where(EventHook.org_id == org_id).order_by(EventHook.id)))


def get_hook(*, org_id: int, hook_id: int) -> EventHook | None:
    hook = db.session.get(EventHook, hook_id)
    return hook if hook is not None and hook.org_id == org_id else None


def _audit(action: str, hook: EventHook, *, actor: User | None, origin: Origin | None,
           details: dict[str, Any] | None = None) -> None:
    record(action, org_id=hook.org_id, actor=actor, origin=origin, target_type="event_hook", target_id=hook.id,
           target_label=hook.url, details=details)


def create_hook(*, org_id: int, url: str, description: str, events: list[str], actor: User | None,
                origin: Origin | None = None) -> tuple[EventHook, str]:
    """A new endpoint and its secret (to show once). The caller commits."""
    if len(hooks(org_id=org_id)) >= MAX_HOOKS:
        raise EventHookError(lazy_ngettext("An organization can have at most %(num)d webhook endpoint.",
                                           "An organization can have at most %(num)d webhook endpoints.", MAX_HOOKS))
    url, chosen = check_url(url), _check_events(events)
    secret = new_secret()
    hook = EventHook(org_id=org_id, url=url, description=(description or "").strip()[:200], events=chosen,
                     secret_enc=crypto.encrypt(secret), consecutive_failures=0)
    db.session.add(hook)
    db.session.flush()
    _audit(actions.WEBHOOK_CREATED, hook, actor=actor, origin=origin, details={"events": chosen})
    return hook, secret


def update_hook(*, hook: EventHook, url: str, description: str, events: list[str], enabled: bool,
                actor: User | None, origin: Origin | None = None) -> EventHook:
    """Change an endpoint (turning a disabled one back on starts its failure count afresh). The caller commits."""
    url, chosen, description = check_url(url), _check_events(events), (description or "").strip()[:200]
    changes: dict[str, Any] = {}
    for name, new in (("url", url), ("description", description), ("events", chosen)):
        old = getattr(hook, name)
        if old != new:
            changes[name] = {"old": old, "new": new}
            setattr(hook, name, new)
    if enabled and hook.disabled_at is not None:
        changes["enabled"] = {"old": False, "new": True}
        hook.disabled_at, hook.disabled_reason = None, None
        hook.failing_since, hook.consecutive_failures = None, 0
    elif not enabled and hook.disabled_at is None:
        changes["enabled"] = {"old": True, "new": False}
        hook.disabled_at, hook.disabled_reason = utcnow(), "turned off by an admin"
    if changes:
        db.session.flush()
        _audit(actions.WEBHOOK_CHANGED, hook, actor=actor, origin=origin, details=changes)
    return hook


def rotate_secret(*, hook: EventHook, actor: User | None, origin: Origin | None = None) -> str:
    """A new secret (to show once); deliveries signed from now on use it. The caller commits."""
    secret = new_secret()
    hook.secret_enc = crypto.encrypt(secret)
    db.session.flush()
    _audit(actions.WEBHOOK_CHANGED, hook, actor=actor, origin=origin, details={"secret": "rotated"})
    return secret


def delete_hook(*, hook: EventHook, actor: User | None, origin: Origin | None = None) -> None:
    _audit(actions.WEBHOOK_DELETED, hook, actor=actor, origin=origin, details={"events": list(hook.events)})
    db.session.delete(hook)
    db.session.flush()


def event_body(event_type: str, data: dict[str, Any], *, at=None) -> str:
    """The JSON body every receiver gets: {"type", "timestamp" (ISO 8601, UTC), "data"}."""
    at = at or utcnow()
    return json.dumps({"type": event_type, "timestamp": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "data": data},
                      separators=(",", ":"), ensure_ascii=False, default=str)


def new_event_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def emit(org_id: int, event_type: str, data: dict[str, Any]) -> int:
    """Queue `event_type` with `data` for every enabled endpoint of the organization that subscribed to it, in
    the caller's transaction; returns how many were queued. `data` is plain JSON (ids, names, URLs)."""
    return emit_all([(org_id, event_type, data)])


def emit_all(events: list[tuple[int, str, dict[str, Any]]]) -> int:
    """`emit` for many events at once (a worker's batch): one query for the endpoints, whatever their number."""
    if unknown := {event_type for _org, event_type, _data in events} - set(EVENT_TYPES):
        raise ValueError(f"unknown event types {sorted(unknown)!r}")
    if not events:
        return 0
    hooks_of: dict[int, list[EventHook]] = {}
    for hook in db.session.scalars(sa.select(EventHook).where(
            EventHook.org_id.in_({org_id for org_id, _type, _data in events}), EventHook.disabled_at.is_(None))
            .order_by(EventHook.id)):
        hooks_of.setdefault(hook.org_id, []).append(hook)
    queued, now = 0, utcnow()
    for org_id, event_type, data in events:
        subscribed = [hook for hook in hooks_of.get(org_id, []) if event_type in (hook.events or [])]
        if not subscribed:
            continue
        event_id, body = new_event_id(), event_body(event_type, {"organization_id": org_id, **data})
        for hook in subscribed:
            db.session.add(EventHookDelivery(org_id=org_id, hook_id=hook.id, event_id=event_id,
                                             event_type=event_type, body=body, status=DeliveryStatus.QUEUED,
                                             attempts=0, next_attempt_at=now))
            queued += 1
    if queued:
        db.session.flush()
    return queued


def deliveries(*, hook: EventHook, before_id: int | None = None, limit: int = PAGE) -> list[EventHookDelivery]:
    """The endpoint's deliveries, newest first, `limit` at a time (keyset: ids below `before_id`)."""
    query = sa.select(EventHookDelivery).where(EventHookDelivery.hook_id == hook.id)
    if before_id is not None:
        query = query.where(EventHookDelivery.id < before_id)
    return list(db.session.scalars(query.order_by(EventHookDelivery.id.desc()).limit(limit)))


def get_delivery(*, hook: EventHook, delivery_id: int) -> EventHookDelivery | None:
    delivery = db.session.get(EventHookDelivery, delivery_id)
    return delivery if delivery is not None and delivery.hook_id == hook.id else None


def redeliver(*, delivery: EventHookDelivery) -> EventHookDelivery:
    """Queue the same event again (same webhook-id and body, so a receiver can tell it is a repeat), now."""
    if delivery.hook.disabled_at is not None:
        raise EventHookError(_l("Turn the endpoint back on before redelivering."))
    again = EventHookDelivery(org_id=delivery.org_id, hook_id=delivery.hook_id, event_id=delivery.event_id,
                              event_type=delivery.event_type, body=delivery.body, status=DeliveryStatus.QUEUED,
                              attempts=0, next_attempt_at=utcnow())
    db.session.add(again)
    db.session.flush()
    return again
