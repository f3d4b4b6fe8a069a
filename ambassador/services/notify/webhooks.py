"""Slack and Microsoft Teams incoming webhooks: the admin's endpoints (per organization or per team) and
`notify`, which queues one delivery per endpoint in the caller's transaction (an outbox: the message exists
exactly when its event does). The worker sends them (services/notify/webhook_delivery.py).

Events: a campaign goes live (services/content/campaigns.py), the week's results (services/notify/results.py),
a challenge is published and a challenge ends with its winners (services/challenges/).

URLs are secrets (whoever holds one posts to the channel): encrypted at rest (infra/crypto.py), shown by
host and last characters. Only https URLs on the configured hosts are accepted (SLACK_WEBHOOK_HOSTS,
TEAMS_WEBHOOK_HOSTS; "*.example.com" = any subdomain), and every host is resolved and refused unless public
(infra/safe_http.py) — checked again when connecting.
"""
from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, lazy_ngettext
from flask_babel import lazy_gettext as _l

from ...errors import ServiceError
from ...extensions import db
from ...infra import crypto
from ...infra.safe_http import UnsafeURL, check_public_url
from ...models import DeliveryStatus, Organization, Team, WebhookDelivery, WebhookEndpoint, WebhookKind

EVENT_CAMPAIGN = "campaign_live"
EVENT_CHALLENGE = "challenge_new"
EVENT_CHALLENGE_ENDED = "challenge_ended"
EVENT_RESULTS = "results"
EVENT_TEST = "test"
MAX_ENDPOINTS = 20  # per organization
RECENT_DELIVERIES = 20


class WebhookError(ServiceError):
    code = "webhook"


def kind_choices() -> list[tuple[str, str]]:
    return [(WebhookKind.SLACK, "Slack"), (WebhookKind.TEAMS, "Microsoft Teams")]


def allowed_hosts(kind: str) -> list[str]:
    setting = "SLACK_WEBHOOK_HOSTS" if kind == WebhookKind.SLACK else "TEAMS_WEBHOOK_HOSTS"
    return [h.strip().lower() for h in (current_app.config.get(setting) or "").split(",") if h.strip()]


def host_allowed(host: str, patterns: Sequence[str]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in patterns:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def check_url(url: str, kind: str) -> str:
    """The URL, stripped, when an admin may store it for `kind`; WebhookError with a clear message if not."""
    url = (url or "").strip()
    allow_http = bool(current_app.config.get("WEBHOOKS_ALLOW_HTTP"))
    if kind not in tuple(WebhookKind):
        raise WebhookError(_l("Choose Slack or Microsoft Teams."), field="kind")
    if not url or len(url) > 1000:
        raise WebhookError(_l("Paste the incoming webhook URL (at most 1000 characters)."), field="url")
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        raise WebhookError(_l("The URL must start with https://."), field="url")
    if not parts.hostname or parts.username or parts.password:
        raise WebhookError(_l("This is not a webhook URL."), field="url")
    patterns = allowed_hosts(kind)
    if not host_allowed(parts.hostname, patterns):
        raise WebhookError(_l("%(service)s webhooks live on %(hosts)s; this URL is on %(host)s.",
                              service=dict(kind_choices())[kind], hosts=", ".join(patterns), host=parts.hostname),
                           field="url")
    try:
        check_public_url(url, allow_loopback=allow_http)
    except UnsafeURL as exc:
        raise WebhookError(_l("This URL cannot be reached from here (%(why)s).", why=str(exc)), field="url") from exc
    return url


def hint(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}/…{url[-6:]}"


def add_endpoint(*, org: Organization, kind: str, url: str, team_id: int | None = None) -> WebhookEndpoint:
    url = check_url(url, kind)
    if team_id is not None and db.session.scalar(
            sa.select(Team.id).where(Team.id == team_id, Team.org_id == org.id)) is None:
        raise WebhookError(_l("Choose one of your teams."), field="team_id")
    count = db.session.scalar(sa.select(sa.func.count()).where(WebhookEndpoint.org_id == org.id)) or 0
    if count >= MAX_ENDPOINTS:
        raise WebhookError(lazy_ngettext("At most %(num)d webhook per organization.",
                                         "At most %(num)d webhooks per organization.", MAX_ENDPOINTS))
    endpoint = WebhookEndpoint(org_id=org.id, team_id=team_id, kind=kind, url_encrypted=crypto.encrypt(url),
                               url_hint=hint(url))
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def get_endpoint(*, org: Organization, endpoint_id: int) -> WebhookEndpoint | None:
    return db.session.scalar(sa.select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id,
                                                              WebhookEndpoint.org_id == org.id))


def remove_endpoint(*, endpoint: WebhookEndpoint) -> None:
    db.session.delete(endpoint)
    db.session.flush()


def endpoints(*, org: Organization) -> list[WebhookEndpoint]:
    return list(db.session.scalars(sa.select(WebhookEndpoint).where(WebhookEndpoint.org_id == org.id)
                                   .order_by(WebhookEndpoint.team_id.is_not(None), WebhookEndpoint.id)))


def recent_deliveries(*, org: Organization, limit: int = RECENT_DELIVERIES) -> list[WebhookDelivery]:
    return list(db.session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.org_id == org.id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))


def has_endpoints(org: Organization) -> bool:
    """Whether the organization has a chat webhook in use (callers skip composing messages otherwise)."""
    return db.session.scalar(sa.select(WebhookEndpoint.id).where(
        WebhookEndpoint.org_id == org.id, WebhookEndpoint.disabled_at.is_(None)).limit(1)) is not None


def notify(org: Organization, event_kind: str, text: str, link: str = "",
           team_ids: Sequence[int] | None = None) -> int:
    """Queue `text` (+ `link`) for the organization's chat webhooks: the organization-wide ones and, for an event
    that concerns some teams only (`team_ids`), those teams' ones; with no `team_ids`, every team's too.
    In the caller's transaction; returns how many deliveries were queued. The worker sends them."""
    query = sa.select(WebhookEndpoint).where(WebhookEndpoint.org_id == org.id, WebhookEndpoint.disabled_at.is_(None))
    if team_ids:
        query = query.where(sa.or_(WebhookEndpoint.team_id.is_(None), WebhookEndpoint.team_id.in_(list(team_ids))))
    queued = 0
    for endpoint in db.session.scalars(query):
        db.session.add(WebhookDelivery(org_id=org.id, endpoint_id=endpoint.id, event_kind=event_kind,
                                       text=text[:3000], link=link[:2000], status=DeliveryStatus.QUEUED))
        queued += 1
    db.session.flush()
    return queued


def announce(org: Organization, event_kind: str, message, link: str, teams: Sequence[Team] = ()) -> int:
    """notify() for an event of the organization: `message` (a lazy string) in the organization's language, to its
    channels and those of `teams` (all teams' when none are given). Nothing is queued without a webhook."""
    if not has_endpoints(org):
        return 0
    with force_locale(org.default_locale):
        text = str(message)
    return notify(org, event_kind, text, link, team_ids=[team.id for team in teams] or None)
