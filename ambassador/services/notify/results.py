"""The week's results, posted once a week to the organization's chat channels (Slack/Teams webhooks).

From Monday at DIGEST_LOCAL_HOUR in the organization's time zone, the worker's hourly `post_weekly_results`
claims the organization's ISO week (conditional UPDATE of organization.results_period: one post per week
however many workers run) and queues the last 7 days' figures from the overview (services/analytics/overview.py),
unless nothing happened or no channel is configured.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l

from ...infra.database import changed_rows
from ...infra.urls import absolute_url
from ...models import DigestFrequency, Organization, utcnow
from ..analytics import overview, periods
from . import digests, webhooks


def week_due(org: Organization, now: datetime) -> str | None:
    local = now.replace(tzinfo=digests.zone("UTC")).astimezone(digests.zone(org.timezone))
    return digests.period_key(DigestFrequency.WEEKLY, local, hour=int(current_app.config.get("DIGEST_LOCAL_HOUR", 8)))


def text(org: Organization, summary: overview.Overview) -> str:
    with force_locale(org.default_locale):
        parts = [str(_l("Last 7 days at %(org)s:", org=org.name)),
                 ngettext("%(num)d share", "%(num)d shares", summary.shares) + ",",
                 ngettext("%(num)d counted click", "%(num)d counted clicks", summary.clicks) + ",",
                 ngettext("%(num)d point", "%(num)d points", summary.points) + "."]
        if summary.top_ambassadors.rows:
            top = summary.top_ambassadors.rows[0]
            parts.append(str(_l("Top ambassador: %(name)s (%(points)s).", name=top.name,
                                points=ngettext("%(num)d point", "%(num)d points", top.points))))
    return " ".join(parts)


def post_week(org: Organization, *, now: datetime | None = None) -> bool:
    """Claim this week for the organization and queue its results; True when a message was queued.
    The caller commits."""
    now = now or utcnow()
    week = week_due(org, now)
    if week is None:
        return False
    claimed = changed_rows(sa.update(Organization)
                           .where(Organization.id == org.id,
                                  sa.or_(Organization.results_period.is_(None), Organization.results_period != week))
                           .values(results_period=week).execution_options(synchronize_session=False))
    if not claimed or not webhooks.has_endpoints(org):
        return False
    summary = overview.overview(org_id=org.id, window=periods.last_days(org, 7, now=now))
    if not (summary.shares or summary.clicks or summary.points):
        return False
    return webhooks.notify(org, webhooks.EVENT_RESULTS, text(org, summary), absolute_url("leaderboard.index")) > 0
