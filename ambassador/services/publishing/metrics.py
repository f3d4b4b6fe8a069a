"""Engagement pulled back from the networks for published shares, stored as snapshots (DESIGN.md §7).

When: every ENGAGEMENT_EARLY_EVERY (an hour) in the first 48 hours after publishing, then daily until 30
days, then never. Each followed share has a ShareEngagement row (its latest figures and `next_fetch_at`);
a snapshot is stored only when a figure changed. A post the network says is deleted is marked
(`deleted_at`), keeps its last figures and is not asked about again; it never becomes zeros.

How: due shares are claimed by pushing their `next_fetch_at` a lease ahead (a conditional UPDATE, so two
workers never take the same share), grouped per account, and read in the batches each network allows
(the adapter's `metrics_batch`). Rate limits and refused grants are handled as for publishing
(network_reads.py). These functions commit: they are the outermost unit of work of the worker's job.

Rollups: a stored snapshot adds its increase over the share's previous figures (likes + reposts + replies +
quotes) to the rollups on the org-local day of the reading, in the same transaction
(analytics/rollups.engagement_gained). Added once: the share's row is read under its lock (FOR UPDATE on
PostgreSQL; SQLite has one writer at a time) and a reading taken no later than the one already stored (the
same reading stored again, or a worker that overran its lease and lost to a newer reading) is skipped. A
deleted post stores no snapshot: it keeps its last figures and adds nothing.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ...extensions import db
from ...infra.database import begin_write
from ...models import (
    AccountStatus,
    AppRateLimit,
    EngagementSnapshot,
    Share,
    ShareEngagement,
    ShareMethod,
    ShareStatus,
    SocialAccount,
    utcnow,
)
from ...providers.base import Engagement, MetricsResult, ProviderError
from ..analytics import rollups
from . import network_reads

log = logging.getLogger(__name__)

EARLY = timedelta(hours=48)
EARLY_EVERY = timedelta(hours=1)
LATER_EVERY = timedelta(days=1)
FOLLOW_FOR = timedelta(days=30)
LEASE = timedelta(minutes=15)
FIGURES = ("likes", "reposts", "replies", "quotes", "impressions")
ENGAGEMENT = FIGURES[:4]  # impressions are reach, not engagement


def next_fetch_at(published_at: datetime, now: datetime) -> datetime | None:
    """Hourly in the first 48 hours, then daily, a last look at 30 days, then never (None)."""
    age = now - published_at
    if age >= FOLLOW_FOR:
        return None
    every = EARLY_EVERY if age < EARLY else LATER_EVERY
    return min(now + every, published_at + FOLLOW_FOR)


def enroll_new_shares(*, now: datetime | None = None) -> int:
    """Start following every published API share (with a post id) younger than 30 days that is not followed
    yet: due at once. Idempotent; concurrent workers skip rows another one inserted."""
    now = now or utcnow()
    candidates = (sa.select(Share.id, Share.org_id, sa.literal(now).label("next_fetch_at"),
                            sa.literal(now).label("created_at"))
                  .outerjoin(ShareEngagement, ShareEngagement.share_id == Share.id)
                  .where(ShareEngagement.share_id.is_(None), Share.method == ShareMethod.API,
                         Share.status == ShareStatus.PUBLISHED, Share.external_id.is_not(None),
                         Share.account_id.is_not(None), Share.published_at > now - FOLLOW_FOR))
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(sa.Table, ShareEngagement.__table__)
    stmt = (insert(table).from_select(["share_id", "org_id", "next_fetch_at", "created_at"], candidates)
            .on_conflict_do_nothing())
    return cast(sa.CursorResult, db.session.execute(stmt)).rowcount or 0


def _retire(now: datetime) -> None:
    """Stop following shares past 30 days that could not be read in time (account gone or never readable)."""
    old = sa.select(Share.id).where(Share.published_at < now - FOLLOW_FOR - LATER_EVERY)
    db.session.execute(sa.update(ShareEngagement)
                       .where(ShareEngagement.next_fetch_at.is_not(None), ShareEngagement.share_id.in_(old))
                       .values(next_fetch_at=None).execution_options(synchronize_session=False))


def _due(now: datetime, limit: int) -> sa.Select:
    app_limit = sa.and_(AppRateLimit.provider == SocialAccount.provider,
                        AppRateLimit.service_url == SocialAccount.service_url)
    return (sa.select(ShareEngagement.share_id)
            .join(Share, Share.id == ShareEngagement.share_id)
            .join(SocialAccount, SocialAccount.id == Share.account_id)
            .outerjoin(AppRateLimit, app_limit)
            .where(ShareEngagement.next_fetch_at <= now, ShareEngagement.deleted_at.is_(None),
                   SocialAccount.status == AccountStatus.ACTIVE,
                   sa.or_(SocialAccount.rate_limited_until.is_(None), SocialAccount.rate_limited_until <= now),
                   sa.or_(AppRateLimit.until.is_(None), AppRateLimit.until <= now))
            .order_by(ShareEngagement.next_fetch_at, ShareEngagement.share_id).limit(limit))


def claim_due(*, limit: int, now: datetime | None = None) -> dict[int, list[int]]:
    """Enroll new shares, then claim up to `limit` due ones (their next_fetch_at pushed a lease ahead) and
    commit; returns the claimed share ids per account. Shares of accounts that must wait are left due."""
    now = now or utcnow()
    begin_write()
    enroll_new_shares(now=now)
    _retire(now)
    ids = list(db.session.scalars(_due(now, limit)))
    claim = (sa.update(ShareEngagement)
             .where(ShareEngagement.share_id.in_(ids), ShareEngagement.next_fetch_at <= now)
             .values(next_fetch_at=now + LEASE).returning(ShareEngagement.share_id)
             .execution_options(synchronize_session=False))
    claimed = set(db.session.scalars(claim)) if ids else set()
    groups: dict[int, list[int]] = {}
    if claimed:
        for share_id, account_id in db.session.execute(
                sa.select(Share.id, Share.account_id).where(Share.id.in_(claimed)).order_by(Share.id)):
            groups.setdefault(account_id, []).append(share_id)
    db.session.commit()
    return groups


@dataclass(frozen=True)
class Due:
    """A claimed share to read: its id, its id on the network and when it went out."""

    share_id: int
    external_id: str
    published_at: datetime


def fetch_for_account(account_id: int, share_ids: list[int], *, now: datetime | None = None) -> Counter:
    """Read the claimed shares of one account, in the network's batches, and store what came back; commits."""
    now = now or utcnow()
    counts: Counter = Counter()
    account = db.session.get(SocialAccount, account_id)
    if account is None:
        return counts
    rows = db.session.execute(sa.select(Share.id, Share.external_id, Share.published_at, Share.created_at)
                              .where(Share.id.in_(share_ids), Share.account_id == account_id)).all()
    due = [Due(row.id, row.external_id, row.published_at or row.created_at) for row in rows if row.external_id]
    opened = network_reads.open_account(account, now=now)
    if opened is None:
        begin_write()
        _release(due, at=now + EARLY_EVERY, now=now)  # the account cannot be read now: try again later
        db.session.commit()
        counts["waiting"] += len(due)
        return counts
    provider, context = opened
    if not provider.reports_engagement(scopes=tuple(account.scopes.split())):
        begin_write()
        _stop(due)  # the network gives nothing for this account: do not ask again
        db.session.commit()
        counts["not_reported"] += len(due)
        return counts
    size = max(1, provider.metrics_batch)
    for start in range(0, len(due), size):
        chunk = due[start:start + size]
        try:
            result = provider.metrics(account=context, external_ids=[d.external_id for d in chunk])
        except ProviderError as exc:
            begin_write()
            network_reads.failed(db.session.get_one(SocialAccount, account_id), exc, now=now)
            # A rate limit says when; anything else is tried again in an hour (no storm on a lasting error).
            _release(due[start:], at=exc.retry_at if exc.retry_at else now + EARLY_EVERY, now=now)
            db.session.commit()
            counts[f"error_{exc.kind.value}"] += len(due) - start
            return counts
        begin_write()
        counts.update(store(chunk, result, now=now))
        db.session.commit()
    return counts


def _rows(due: list[Due], *, lock: bool = False) -> dict[int, ShareEngagement]:
    """The shares' rows as the database has them now (`lock`: FOR UPDATE, in share id order)."""
    query = (sa.select(ShareEngagement).where(ShareEngagement.share_id.in_([d.share_id for d in due]))
             .order_by(ShareEngagement.share_id).execution_options(populate_existing=True))
    if lock:
        query = query.with_for_update()
    return {row.share_id: row for row in db.session.scalars(query)}


def _release(due: list[Due], *, at: datetime | None, now: datetime) -> None:
    """Give claimed shares back: due at `at` (a rate limit's end), or now."""
    for row in _rows(due).values():
        row.next_fetch_at = max(at or now, now)


def _stop(due: list[Due]) -> None:
    for row in _rows(due).values():
        row.next_fetch_at = None


def store(chunk: list[Due], result: MetricsResult, *, now: datetime) -> Counter:
    """Store what the network answered for `chunk`, read at `now`: latest figures, a snapshot where they
    changed and its increase in the rollups, all in the caller's transaction."""
    counts: Counter = Counter()
    rows = _rows(chunk, lock=True)
    gains: list[rollups.EngagementGain] = []
    for item in chunk:
        row = rows.get(item.share_id)
        if row is None:
            continue
        if item.external_id in result.deleted:
            row.deleted_at = row.deleted_at or now
            row.next_fetch_at = None
            counts["deleted"] += 1
            continue
        if row.fetched_at is not None and row.fetched_at >= now:
            counts["already_read"] += 1  # this reading, or a later one, is stored already: nothing to add
            continue
        row.next_fetch_at = next_fetch_at(item.published_at, now)
        figures = result.found.get(item.external_id)
        if figures is None:
            counts["unknown"] += 1  # not reported this time (neither figures nor deleted): ask again later
            continue
        gain = _record(row, figures, now=now)
        counts["unchanged" if gain is None else "changed"] += 1
        if gain:
            gains.append(rollups.EngagementGain(row.share_id, now, gain))
    rollups.engagement_gained(gains)
    return counts


def _engagement(figures) -> int:
    """Likes + reposts + replies + quotes, unknown ones adding nothing (as analytics/engagement.py counts)."""
    return sum(getattr(figures, name) or 0 for name in ENGAGEMENT)


def _record(row: ShareEngagement, figures: Engagement, *, now: datetime) -> int | None:
    """Update the latest figures; a snapshot when one changed (or on the first reading). Returns the snapshot's
    increase in engagement over the previous figures (the first reading whole), None when nothing was stored."""
    new = {name: getattr(figures, name) for name in FIGURES}
    changed = row.fetched_at is None or any(getattr(row, name) != value for name, value in new.items())
    before = _engagement(row)  # the figures of the share's previous snapshot (none yet: 0)
    for name, value in new.items():
        setattr(row, name, value)
    row.fetched_at = now
    if not changed:
        return None
    db.session.add(EngagementSnapshot(org_id=row.org_id, share_id=row.share_id, taken_at=now, **new))
    return _engagement(figures) - before
