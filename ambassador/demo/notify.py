"""Demo notifications: one ambassador reads a daily digest, and its email is in the outbox from the start.

Emma (ambassador1) chose daily digests; her previous one went out a week ago (a week off), so the real digest service
(services/notify/digests.py) lists the posts published since, with her results — exactly what the worker's
`send_digests` job sends each morning. The others keep the default (weekly, Mondays).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from ..models import DigestFrequency, Membership, Organization
from ..services.notify import digests

DAILY_READER = "ambassador1@demo.test"


def create(*, org: Organization, memberships: dict[str, Membership], now: datetime) -> str:
    """Send the daily reader's digest for today (local day); returns what the service did ("sent", "empty")."""
    reader = memberships[DAILY_READER]
    reader.digest_frequency = DigestFrequency.DAILY
    reader.digest_sent_at = now - timedelta(days=7)
    local = now.replace(tzinfo=digests.zone("UTC")).astimezone(digests.zone(reader.user.timezone))
    # Today's period, whatever the hour of the seeding: the worker's next run finds it sent.
    period = digests.period_key(DigestFrequency.DAILY, local, hour=0) or local.date().isoformat()
    if not current_app.config.get("PUBLIC_BASE_URL"):
        return "skipped"  # links in emails need the public address (set by `make run` and production)
    return digests.send_digest(membership_id=reader.id, period=period, now=now)
