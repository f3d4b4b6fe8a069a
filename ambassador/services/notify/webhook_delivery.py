"""Sending queued chat messages: the payload each service documents, one POST through the pinned session
(infra/safe_http.py: the address checked is the address connected to, no redirects), and what an answer means.

* Slack incoming webhooks take JSON ``{"text": …, "blocks": […]}`` (text is the notification fallback) and
  answer 200 "ok"; 404 ``no_service`` / 410 ``channel_is_archived`` mean the hook is gone.
* Microsoft Teams incoming webhooks (and Workflows' "post to a channel when a webhook request is received")
  take a message whose attachment is an Adaptive Card (contentType application/vnd.microsoft.card.adaptive).

A 2xx is sent. 404 and 410 disable the endpoint (the admin sees why on the page) and fail what was queued for
it. Anything else — 429, other 4xx, 5xx, a connection error or timeout — is tried again with exponential
backoff (Retry-After honoured), up to MAX_ATTEMPTS, then failed. A claim older than CLAIM_TTL (a worker that
died mid-send) is queued again: a chat message may, rarely, arrive twice; it is never lost.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...infra import crypto, outbox, safe_http
from ...infra.database import changed_rows
from ...models import DeliveryStatus, Organization, WebhookDelivery, WebhookEndpoint, WebhookKind, utcnow

MAX_ATTEMPTS = 8
BASE_DELAY_SECONDS = 60
MAX_DELAY_SECONDS = 6 * 60 * 60
CLAIM_TTL = timedelta(minutes=10)
BATCH = 100
TIMEOUT = (5, 10)  # connect, read (seconds)
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


@dataclass(frozen=True)
class Request:
    kind: str
    url: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    gone: bool = False  # the hook no longer exists (404, 410)
    status: int | None = None
    detail: str = ""
    retry_after: float | None = None

    @property
    def summary(self) -> str:
        return f"HTTP {self.status}: {self.detail}".strip() if self.status is not None else self.detail


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(kind: str, text: str, link: str, *, button: str) -> dict[str, Any]:
    """The JSON body for `kind`'s incoming webhook."""
    if kind == WebhookKind.SLACK:
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(text)}}]
        if link:
            blocks.append({"type": "actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": button[:75]}, "url": link}]})
        return {"text": f"{text} {link}".strip(), "blocks": blocks}
    card: dict[str, Any] = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                            "version": "1.4", "body": [{"type": "TextBlock", "text": text, "wrap": True}]}
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": button, "url": link}]
    return {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": card}]}


def _button(org: Organization) -> str:
    with force_locale(org.default_locale):
        return str(_l("Open in %(org)s", org=org.name))


def _retry_after(response: requests.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def post(request: Request) -> Outcome:
    session = safe_http.session_for(allow_loopback=bool(current_app.config.get("WEBHOOKS_ALLOW_HTTP")))
    try:
        response = session.post(request.url, json=request.payload, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        return Outcome(ok=False, detail=f"{type(exc).__name__}: could not reach the webhook"[:300])
    detail = (response.text or "").strip()[:200]
    if 200 <= response.status_code < 300:
        return Outcome(ok=True, status=response.status_code, detail=detail)
    return Outcome(ok=False, gone=response.status_code in (404, 410), status=response.status_code, detail=detail,
                   retry_after=_retry_after(response))


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Exponential: 1, 2, 4 … minutes after the 1st, 2nd, 3rd … attempt (+ up to 10% jitter), at least
    Retry-After, at most MAX_DELAY_SECONDS."""
    delay = BASE_DELAY_SECONDS * 2 ** max(0, attempts - 1)
    delay = min(MAX_DELAY_SECONDS, max(delay * (1 + random.random() / 10), retry_after or 0))  # noqa: S311
    return timedelta(seconds=delay)


def claim_due(*, now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Claim (status sending, one attempt more) up to `limit` deliveries that are due; the caller commits."""
    return outbox.claim_due(WebhookDelivery, now=now or utcnow(), claim_ttl=CLAIM_TTL, limit=limit)


def prepare(delivery_id: int) -> Request | None:
    """What to POST for a claimed delivery (None when it is gone or its endpoint was disabled meanwhile)."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.SENDING:
        return None
    endpoint = delivery.endpoint
    if endpoint.disabled_at is not None:
        return None
    org = db.session.get_one(Organization, delivery.org_id)
    return Request(kind=endpoint.kind, url=crypto.decrypt(endpoint.url_encrypted),
                   payload=payload(endpoint.kind, delivery.text, delivery.link, button=_button(org)))


def record(delivery_id: int, outcome: Outcome | None, *, now: datetime | None = None) -> str:
    """Write what the attempt gave; returns the delivery's new status. The caller commits."""
    now = now or utcnow()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return "removed"  # its webhook was removed meanwhile (the delivery went with it)
    db.session.refresh(delivery)
    endpoint = delivery.endpoint
    if outcome is None:  # the endpoint was disabled after this was queued
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, endpoint.disabled_reason or "disabled"
    elif outcome.ok:
        delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, now, None
        endpoint.last_success_at = now
    elif outcome.gone:
        disable(endpoint, reason=outcome.summary, now=now)
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, outcome.summary[:500]
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, outcome.summary[:500]
    else:
        delivery.status, delivery.last_error = DeliveryStatus.QUEUED, outcome.summary[:500]
        delivery.next_attempt_at = now + backoff(delivery.attempts, outcome.retry_after)
    delivery.claimed_at = None
    db.session.flush()
    return delivery.status


def disable(endpoint: WebhookEndpoint, *, reason: str, now: datetime) -> None:
    """The hook is gone: stop using it and fail what was waiting for it."""
    endpoint.disabled_at, endpoint.disabled_reason = now, reason[:255]
    changed_rows(sa.update(WebhookDelivery)
                 .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == DeliveryStatus.QUEUED)
                 .values(status=DeliveryStatus.FAILED, last_error=reason[:500])
                 .execution_options(synchronize_session=False))


def send_test(*, org: Organization, endpoint: WebhookEndpoint, link: str) -> Outcome:
    """Post a test message now (from the settings page) and keep it in the list of deliveries. The POST comes
    before any write, so no transaction (nor SQLite's write lock) is held while the service answers."""
    with force_locale(org.default_locale):
        text = str(_l("Test message from %(org)s: this channel will receive new campaigns, challenges and "
                      "weekly results.", org=org.name))
    outcome = post(Request(kind=endpoint.kind, url=crypto.decrypt(endpoint.url_encrypted),
                           payload=payload(endpoint.kind, text, link, button=_button(org))))
    now = utcnow()
    delivery = WebhookDelivery(org_id=org.id, endpoint_id=endpoint.id, event_kind="test", text=text, link=link,
                               attempts=1, next_attempt_at=now)
    if outcome.ok:
        delivery.status, delivery.sent_at = DeliveryStatus.SENT, now
        endpoint.last_success_at, endpoint.disabled_at, endpoint.disabled_reason = now, None, None
    else:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, outcome.summary[:500]
        if outcome.gone:
            disable(endpoint, reason=outcome.summary, now=now)
    db.session.add(delivery)
    db.session.flush()
    return outcome
