"""Rebuild the rollups of one organization from the raw rows (`flask ambassador rebuild-rollups`).

Batched by runs of org-local days: each batch deletes the cells, post-day and team totals of its days and
sums them again from the ledger, the counted shares, the counted clicks and the engagement snapshots — so a
batch is safe to redo, and a rebuild stopped half-way resumes with `--since` the first unfinished day (or
simply runs again). The caller commits after each batch. Then every standings window is rebuilt from the cells.

Engagement is summed as the engagement job adds it (services/publishing/metrics.py): each snapshot's increase
in likes + reposts + replies + quotes over its share's previous snapshot (the first one whole), on the
org-local day it was taken. Potential reach is not kept in the rollups (services/analytics/rollups.py): `reach`
stays NULL.

Safe while events arrive: on PostgreSQL a batch first locks the rollup tables against writes (SHARE ROW
EXCLUSIVE), so an event whose increment was applied is committed before the batch reads the raw rows, and
one that comes later waits and adds its increment after the batch (its raw row was invisible to it): each
event counted once. SQLite has one writer at a time: the batch runs between events.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ...extensions import db
from ...models import (
    NO_ID,
    NO_NETWORK,
    Click,
    EngagementSnapshot,
    Organization,
    PointsEntry,
    Post,
    RollupRebuild,
    Share,
    TrackedLink,
    utcnow,
)
from ...models.points import SPENDING_REASONS
from ...models.sharing import COUNTED_SHARE_STATUSES, share_moment
from ..community.points import local_day
from . import stamps, standing_additions, standings, team_rollups
from .periods import days_window
from .rollups import CELL as _CELL
from .rollups import POST_DAY as _POST_DAY

_CELL_COLUMNS = ["org_id", "day", "membership_id", "post_id", "network", "campaign_id", "points", "shares", "clicks",
                 "engagement"]


@dataclass(frozen=True)
class Batch:
    first: date
    last: date


def _activity_days(org: Organization, edge) -> list[date]:
    """The org-local days of the oldest (edge=min) or newest (max) ledger entry, counted share, click and
    engagement reading."""
    moments = [db.session.scalar(sa.select(edge(PointsEntry.created_at)).where(PointsEntry.org_id == org.id)),
               db.session.scalar(sa.select(edge(share_moment())).where(Share.org_id == org.id)),
               db.session.scalar(sa.select(edge(Click.created_at)).where(Click.org_id == org.id)),
               db.session.scalar(sa.select(edge(EngagementSnapshot.taken_at))
                                 .where(EngagementSnapshot.org_id == org.id))]
    ledger_day = db.session.scalar(sa.select(edge(PointsEntry.day)).where(PointsEntry.org_id == org.id))
    return [local_day(org, at) for at in moments if at is not None] + ([ledger_day] if ledger_day else [])


def first_day(org: Organization) -> date | None:
    """The org-local day of the organization's oldest ledger entry, share, click or engagement reading."""
    return min(_activity_days(org, sa.func.min), default=None)


def batches(org: Organization, *, since: date | None = None, until: date | None = None,
            days: int = 31) -> Iterator[Batch]:
    """Runs of `days` org-local days from `since` (default: the oldest activity) to `until` (default: today)."""
    start = since or first_day(org)
    # Rows dated after today (clocks, imports) are covered too.
    end = until or max([local_day(org, utcnow()), *_activity_days(org, sa.func.max)])
    while start is not None and start <= end:
        last = min(start + timedelta(days=days - 1), end)
        yield Batch(start, last)
        start = last + timedelta(days=1)


def _insert(conn: sa.Connection, query: sa.Select, *, add: str) -> None:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(_CELL).from_select(_CELL_COLUMNS, query)
    conn.execute(stmt.on_conflict_do_update(index_elements=["org_id", "day", "membership_id", "post_id", "network"],
                                            set_={add: _CELL.c[add] + stmt.excluded[add]}))


def _points(conn: sa.Connection, org: Organization, batch: Batch) -> None:
    """Earned points of the batch's days in three statements: entries for a share (its post and network), for a
    click (its link's post and network) and the rest (no post, no network) — so most rows need no join."""
    # The created_at bounds (a day wider) let the (org, created_at) index find the rows; `day` decides.
    window = days_window(org, batch.first, batch.last)
    assert window.start is not None and window.end is not None
    entries = [PointsEntry.org_id == org.id, PointsEntry.reason.notin_(SPENDING_REASONS),
               PointsEntry.created_at >= window.start - timedelta(days=2),
               PointsEntry.created_at < window.end + timedelta(days=2),
               PointsEntry.day >= batch.first, PointsEntry.day <= batch.last]
    keys = (PointsEntry.org_id, PointsEntry.day, PointsEntry.membership_id)
    of_shares = (sa.select(*keys, Share.post_id, Share.network, Post.campaign_id, sa.func.sum(PointsEntry.points),
                           sa.literal(0), sa.literal(0), sa.literal(0))
                 .join(Share, Share.id == PointsEntry.share_id).join(Post, Post.id == Share.post_id)
                 .where(*entries).group_by(*keys, Share.post_id, Share.network, Post.campaign_id))
    of_clicks = (sa.select(*keys, TrackedLink.post_id, TrackedLink.network, Post.campaign_id,
                           sa.func.sum(PointsEntry.points), sa.literal(0), sa.literal(0), sa.literal(0))
                 .join(Click, Click.id == PointsEntry.click_id)
                 .join(TrackedLink, TrackedLink.id == Click.tracked_link_id)
                 .join(Post, Post.id == TrackedLink.post_id)
                 .where(*entries).group_by(*keys, TrackedLink.post_id, TrackedLink.network, Post.campaign_id))
    # The rest: no source, or one deleted since (the ledger keeps the points, its post and network are gone).
    orphan = sa.or_(sa.and_(PointsEntry.share_id.is_(None), PointsEntry.click_id.is_(None)),
                    sa.and_(PointsEntry.share_id.is_not(None),
                            ~sa.exists().where(Share.id == PointsEntry.share_id)),
                    sa.and_(PointsEntry.click_id.is_not(None),
                            ~sa.exists().where(Click.id == PointsEntry.click_id)))
    others = (sa.select(*keys, sa.literal(NO_ID), sa.literal(NO_NETWORK, sa.String), sa.literal(NO_ID),
                        sa.func.sum(PointsEntry.points), sa.literal(0), sa.literal(0), sa.literal(0))
              .where(*entries, orphan).group_by(*keys))
    for query in (of_shares, of_clicks, others):
        _insert(conn, query, add="points")


def _shares_and_clicks(conn: sa.Connection, org: Organization, batch: Batch) -> None:
    window = days_window(org, batch.first, batch.last)
    for day, start, end in zip(window.days, window.boundaries, window.boundaries[1:], strict=False):
        shares = (sa.select(Share.org_id, sa.literal(day, sa.Date), Share.membership_id, Share.post_id, Share.network,
                            Post.campaign_id, sa.literal(0), sa.func.count(Share.id), sa.literal(0), sa.literal(0))
                  .join(Post, Post.id == Share.post_id)
                  .where(Share.org_id == org.id, Share.status.in_(COUNTED_SHARE_STATUSES),
                         share_moment() >= start, share_moment() < end)
                  .group_by(Share.org_id, Share.membership_id, Share.post_id, Share.network, Post.campaign_id))
        _insert(conn, shares, add="shares")
        clicks = (sa.select(Click.org_id, sa.literal(day, sa.Date), TrackedLink.membership_id, TrackedLink.post_id,
                            TrackedLink.network, Post.campaign_id, sa.literal(0), sa.literal(0),
                            sa.func.count(Click.id), sa.literal(0))
                  .join(TrackedLink, TrackedLink.id == Click.tracked_link_id)
                  .join(Post, Post.id == TrackedLink.post_id)
                  .where(Click.org_id == org.id, Click.created_at >= start, Click.created_at < end)
                  .group_by(Click.org_id, TrackedLink.membership_id, TrackedLink.post_id, TrackedLink.network,
                            Post.campaign_id))
        _insert(conn, clicks, add="clicks")


_ENGAGEMENT = ("likes", "reposts", "replies", "quotes")  # impressions are reach, not engagement


def _engagement_of(snapshot) -> sa.ColumnElement:
    return sum((sa.func.coalesce(snapshot.c[name], 0) for name in _ENGAGEMENT), sa.literal(0))


def _engagement(conn: sa.Connection, org: Organization, batch: Batch) -> None:
    """Engagement gained on the batch's days, in one statement: each snapshot taken on those days, its increase
    over its share's previous snapshot (found through the (share, taken_at) index), on its org-local day."""
    window = days_window(org, batch.first, batch.last)
    assert window.start is not None and window.end is not None
    taken = cast(sa.Table, EngagementSnapshot.__table__)
    snap, prev = taken.alias("snap"), taken.alias("prev")
    earlier = sa.or_(prev.c.taken_at < snap.c.taken_at,
                     sa.and_(prev.c.taken_at == snap.c.taken_at, prev.c.id < snap.c.id))
    before = (sa.select(_engagement_of(prev)).where(prev.c.share_id == snap.c.share_id, earlier)
              .order_by(prev.c.taken_at.desc(), prev.c.id.desc()).limit(1).scalar_subquery())
    day = sa.case(*[(snap.c.taken_at < end, sa.literal(d, sa.Date))
                    for d, end in zip(window.days, window.boundaries[1:], strict=True)])
    keys = (Share.org_id, Share.membership_id, Share.post_id, Share.network, Post.campaign_id)
    gains = (sa.select(day.label("day"), *keys, (_engagement_of(snap) - sa.func.coalesce(before, 0)).label("gain"))
             .select_from(snap).join(Share, Share.id == snap.c.share_id).join(Post, Post.id == Share.post_id)
             .where(snap.c.org_id == org.id, Share.org_id == org.id, snap.c.taken_at >= window.start,
                    snap.c.taken_at < window.end)
             .subquery())
    columns = (gains.c.org_id, gains.c.day, gains.c.membership_id, gains.c.post_id, gains.c.network,
               gains.c.campaign_id)
    _insert(conn, sa.select(*columns, sa.literal(0), sa.literal(0), sa.literal(0), sa.func.sum(gains.c.gain))
            .group_by(*columns), add="engagement")


def rebuild_batch(*, org: Organization, batch: Batch) -> int:
    """Sum one run of days again from the raw rows (engagement from the snapshots); returns the number of cells
    written."""
    conn = db.session.connection()
    stamps.changed({org.id})
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE rollup_cell, rollup_post_day, rollup_team_day IN SHARE ROW EXCLUSIVE MODE")
    in_batch = [_CELL.c.org_id == org.id, _CELL.c.day >= batch.first, _CELL.c.day <= batch.last]
    conn.execute(sa.delete(_CELL).where(*in_batch))
    conn.execute(sa.delete(_POST_DAY).where(_POST_DAY.c.org_id == org.id, _POST_DAY.c.day >= batch.first,
                                            _POST_DAY.c.day <= batch.last))
    _points(conn, org, batch)
    _shares_and_clicks(conn, org, batch)
    _engagement(conn, org, batch)
    sums = [sa.func.sum(_CELL.c[name]) for name in ("points", "shares", "clicks", "engagement")]
    reach = sa.func.sum(_CELL.c.reach)
    conn.execute(sa.insert(_POST_DAY).from_select(
        ["org_id", "day", "post_id", "network", "campaign_id", "points", "shares", "clicks", "engagement", "reach"],
        sa.select(_CELL.c.org_id, _CELL.c.day, _CELL.c.post_id, _CELL.c.network, sa.func.max(_CELL.c.campaign_id),
                  *sums, reach).where(*in_batch)
        .group_by(_CELL.c.org_id, _CELL.c.day, _CELL.c.post_id, _CELL.c.network)))
    team_rollups.rebuild_days(conn, org_id=org.id, first=batch.first, last=batch.last)
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(_CELL).where(*in_batch)) or 0)


def rebuild_standings(*, org: Organization, today: date | None = None) -> list[str]:
    """Rebuild every standings window of the organization from the cells; returns the window keys."""
    conn = db.session.connection()
    today = today or local_day(org, utcnow())
    standings.lock_windows(conn, org_id=org.id)
    standings.forget_custom(conn, org_id=org.id)
    for key in standings.ALL_WINDOWS:
        first, last = standings.window_days(key, today)
        standings.build_window(conn, org_id=org.id, key=key, first=first, last=last)
    return list(standings.ALL_WINDOWS)


def roll_standings(*, org: Organization, now=None, custom_limit: int | None = None) -> int:
    """The worker's step for one organization: rebuild the standings windows whose days moved on (and build up to
    `custom_limit` of the custom ranges asked for, all when None)."""
    return standings.roll(db.session.connection(), org_id=org.id, today=local_day(org, now or utcnow()),
                          custom_limit=custom_limit)


def build_asked(*, org: Organization, now=None, step: Callable[[], None]) -> int:
    """Build the custom ranges asked for in the organization, one window at a time, the last asked for first (a
    range before the period before it): `step()` runs before each, and ends the transaction (the window built
    before it is then in use). Returns how many windows were built (and stale ones rolled on the way)."""
    built = 0
    while True:
        step()
        count = roll_standings(org=org, now=now, custom_limit=1)
        if not count:
            return built
        built += count


QUEUE_BATCH = standing_additions.QUEUE_BATCH


def add_queued_standings() -> int:
    """Add up to QUEUE_BATCH rows of what publishing workers queued to the standings (the caller commits); how
    many rows it took (services/analytics/standing_queue.py)."""
    return standing_additions.add_queued(db.session.connection())


def asked_org_ids() -> list[int]:
    """Organizations with a custom range someone looked at and the worker has not built yet."""
    return standings.asked_org_ids(db.session.connection())


def rebuilding(org_id: int) -> bool:
    """Whether the organization's rollups are queued to be summed again (boards say their figures are not
    complete yet)."""
    return db.session.get(RollupRebuild, org_id) is not None


def queue(org_id: int) -> None:
    """Ask the worker to sum the organization's rollups again from the raw rows."""
    if db.session.get(RollupRebuild, org_id) is None:
        db.session.add(RollupRebuild(org_id=org_id))
        db.session.flush()


def rebuild(*, org: Organization, since: date | None = None, days: int = 31,
            step: Callable[[Batch, int], None] = lambda _batch, _cells: None) -> list[str]:
    """Sum every batch of days again, then every standings window; `step` runs after each batch (the caller
    commits there, so a stopped rebuild resumes). A queued rebuild of the organization resumes where it
    stopped and is taken off the queue at the end."""
    queued = db.session.get(RollupRebuild, org.id)
    if since is None and queued is not None:
        since = queued.next_day
    for batch in batches(org, since=since, days=days):
        cells = rebuild_batch(org=org, batch=batch)
        if queued is not None:
            queued.next_day = batch.last + timedelta(days=1)
        step(batch, cells)
    windows = rebuild_standings(org=org)
    if queued is not None:
        db.session.delete(queued)
    db.session.flush()
    return windows


def queued_org_ids() -> list[int]:
    return list(db.session.scalars(sa.select(RollupRebuild.org_id).order_by(RollupRebuild.org_id)))
