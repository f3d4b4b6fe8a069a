"""Potential reach: each linked account's follower (or connection) count, as the network reports it.

Taken at connect from the profile answer where the network puts it there (social_accounts.save_connection)
and refreshed daily by the worker. NULL means unknown (LinkedIn members, a network that did not say) and is
shown as unknown, never as 0. These functions commit per account: the job is their outermost unit of work.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import sqlalchemy as sa

from ...extensions import db
from ...infra.database import begin_write
from ...models import AccountStatus, AppRateLimit, SocialAccount, utcnow
from ...providers import registry
from ...providers.base import ProviderError
from . import network_reads, social_accounts

REFRESH_EVERY = timedelta(days=1)


def due_accounts(*, limit: int, now: datetime | None = None) -> list[int]:
    """Active accounts on networks that report followers, not read for a day, not rate limited."""
    now = now or utcnow()
    networks = [name for name, provider in registry.enabled().items() if provider.reports_followers()]
    if not networks:
        return []
    app_limit = sa.and_(AppRateLimit.provider == SocialAccount.provider,
                        AppRateLimit.service_url == SocialAccount.service_url)
    return list(db.session.scalars(
        sa.select(SocialAccount.id).outerjoin(AppRateLimit, app_limit)
        .where(SocialAccount.status == AccountStatus.ACTIVE, SocialAccount.provider.in_(networks),
               sa.or_(SocialAccount.followers_fetched_at.is_(None),
                      SocialAccount.followers_fetched_at <= now - REFRESH_EVERY),
               sa.or_(SocialAccount.rate_limited_until.is_(None), SocialAccount.rate_limited_until <= now),
               sa.or_(AppRateLimit.until.is_(None), AppRateLimit.until <= now))
        .order_by(SocialAccount.followers_fetched_at.is_not(None), SocialAccount.followers_fetched_at,
                  SocialAccount.id)
        .limit(limit)))


def refresh_account(account_id: int, *, now: datetime | None = None) -> str:
    """Read one account's follower count and store it; commits. Returns what happened."""
    now = now or utcnow()
    account = db.session.get(SocialAccount, account_id)
    if account is None:
        return "gone"
    opened = network_reads.open_account(account, now=now)
    if opened is None:
        return "waiting"
    provider, context = opened
    try:
        followers = provider.follower_count(account=context)
    except ProviderError as exc:
        begin_write()
        network_reads.failed(db.session.get_one(SocialAccount, account_id), exc, now=now)
        db.session.commit()
        return f"error_{exc.kind.value}"
    begin_write()
    account = db.session.get_one(SocialAccount, account_id)
    # Asked today, whatever the answer: an account whose network says nothing is not asked every run.
    social_accounts.record_followers(account, followers, now=now)
    account.followers_fetched_at = now
    db.session.commit()
    return "updated" if followers is not None else "unknown"


def refresh_due(*, limit: int, now: datetime | None = None) -> dict[str, int]:
    """The daily job: refresh the follower counts that are a day old (or never read)."""
    counts: Counter = Counter()
    for account_id in due_accounts(limit=limit, now=now):
        counts[refresh_account(account_id, now=now)] += 1
    return dict(counts)
