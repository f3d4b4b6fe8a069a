"""Rebuild the rollups of one organization from the raw rows (`flask ambassador rebuild-rollups`).

Batched by runs of org-local days: each batch deletes the cells and post-day totals of its days and
sums them again from the ledger, the counted shares and the counted clicks — so a batch is safe to redo,
and a rebuild stopped half-way resumes with `--since` the first unfinished day (or simply runs again).
The caller commits after each batch. Then every standings window is rebuilt from the cells.

Run it when the organization is quiet: an event written while its day's batch runs may be counted in
the batch and again by its own increment (or not at all) on PostgreSQL. Running it again fixes that.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ...extensions import db
from ...infra.upsert import upsert
from ...models import (
    NO_ID,
    NO_NETWORK,
    Click,
    Organization,
    PointsEntry,
    Post,
    Share,
    TrackedLink,
    utcnow,
)
from ...models.points import SPENDING_REASONS
from ...models.sharing import COUNTED_SHARE_STATUSES, share_moment
from ..community.points import local_day
from . import standings
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
    """The org-local days of the oldest (edge=min) or newest (max) ledger entry, counted share and click."""
    moments = [db.session.scalar(sa.select(edge(PointsEntry.created_at)).where(PointsEntry.org_id == org.id)),
               db.session.scalar(sa.select(edge(share_moment())).where(Share.org_id == org.id)),
               db.session.scalar(sa.select(edge(Click.created_at)).where(Click.org_id == org.id))]
    ledger_day = db.session.scalar(sa.select(edge(PointsEntry.day)).where(PointsEntry.org_id == org.id))
    return [local_day(org, at) for at in moments if at is not None] + ([ledger_day] if ledger_day else [])


def first_day(org: Organization) -> date | None:
    """The org-local day of the organization's oldest ledger entry, share or click."""
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
    post_id = sa.func.coalesce(Share.post_id, TrackedLink.post_id, NO_ID)
    network = sa.func.coalesce(Share.network, TrackedLink.network, NO_NETWORK)
    campaign = sa.func.coalesce(Post.campaign_id, NO_ID)
    # The created_at bounds (a day wider) let the (org, created_at) index find the rows; `day` decides.
    window = days_window(org, batch.first, batch.last)
    assert window.start is not None and window.end is not None
    query = (sa.select(PointsEntry.org_id, PointsEntry.day, PointsEntry.membership_id, post_id, network, campaign,
                       sa.func.sum(PointsEntry.points), sa.literal(0), sa.literal(0), sa.literal(0))
             .outerjoin(Share, Share.id == PointsEntry.share_id)
             .outerjoin(Click, Click.id == PointsEntry.click_id)
             .outerjoin(TrackedLink, TrackedLink.id == Click.tracked_link_id)
             .outerjoin(Post, Post.id == sa.func.coalesce(Share.post_id, TrackedLink.post_id))
             .where(PointsEntry.org_id == org.id, PointsEntry.reason.notin_(SPENDING_REASONS),
                    PointsEntry.created_at >= window.start - timedelta(days=2),
                    PointsEntry.created_at < window.end + timedelta(days=2),
                    PointsEntry.day >= batch.first, PointsEntry.day <= batch.last)
             .group_by(PointsEntry.org_id, PointsEntry.day, PointsEntry.membership_id, post_id, network, campaign))
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


def rebuild_batch(*, org: Organization, batch: Batch) -> int:
    """Sum one run of days again from the raw rows; returns the number of cells written. Engagement and
    potential reach are not in the raw rows of this package: the cells' engagement and reach are kept."""
    conn = db.session.connection()
    in_batch = [_CELL.c.org_id == org.id, _CELL.c.day >= batch.first, _CELL.c.day <= batch.last]
    kept = [dict(row._mapping) for row in conn.execute(
        sa.select(_CELL.c.org_id, _CELL.c.day, _CELL.c.membership_id, _CELL.c.post_id, _CELL.c.network,
                  _CELL.c.campaign_id, _CELL.c.engagement, _CELL.c.reach)
        .where(*in_batch, sa.or_(_CELL.c.engagement != 0, _CELL.c.reach.is_not(None))))]
    conn.execute(sa.delete(_CELL).where(*in_batch))
    conn.execute(sa.delete(_POST_DAY).where(_POST_DAY.c.org_id == org.id, _POST_DAY.c.day >= batch.first,
                                            _POST_DAY.c.day <= batch.last))
    _points(conn, org, batch)
    _shares_and_clicks(conn, org, batch)
    if kept:
        upsert(conn, _CELL, [{**row, "points": 0, "shares": 0, "clicks": 0} for row in kept],
               keys=("org_id", "day", "membership_id", "post_id", "network"), adds=("engagement",),
               sets=("reach",))
    sums = [sa.func.sum(_CELL.c[name]) for name in ("points", "shares", "clicks", "engagement")]
    reach = sa.func.sum(_CELL.c.reach)
    conn.execute(sa.insert(_POST_DAY).from_select(
        ["org_id", "day", "post_id", "network", "campaign_id", "points", "shares", "clicks", "engagement", "reach"],
        sa.select(_CELL.c.org_id, _CELL.c.day, _CELL.c.post_id, _CELL.c.network, sa.func.max(_CELL.c.campaign_id),
                  *sums, reach).where(*in_batch)
        .group_by(_CELL.c.org_id, _CELL.c.day, _CELL.c.post_id, _CELL.c.network)))
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(_CELL).where(*in_batch)) or 0)


def rebuild_standings(*, org: Organization, today: date | None = None) -> list[str]:
    """Rebuild every standings window of the organization from the cells; returns the window keys."""
    conn = db.session.connection()
    today = today or local_day(org, utcnow())
    standings.lock_windows(conn, org_id=org.id)
    for key in standings.ALL_WINDOWS:
        first, last = standings.window_days(key, today)
        standings.build_window(conn, org_id=org.id, key=key, first=first, last=last)
    return list(standings.ALL_WINDOWS)


def roll_standings(*, org: Organization, now=None) -> int:
    """The worker's step for one organization: rebuild the standings windows whose days moved on."""
    return standings.roll(db.session.connection(), org_id=org.id, today=local_day(org, now or utcnow()))
