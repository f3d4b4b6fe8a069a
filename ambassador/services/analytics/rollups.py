"""Rollups: activity summed per org-local day × member × post × network, kept up to date as events arrive.

When: **in the same transaction as the event.** A ledger entry, a share that starts (or stops) counting
and a counted click change the rollup cells, the post-day totals and the standings in the transaction
that writes the raw row, so a board never disagrees with the ledger, a rolled-back event rolls its
increments back with it, and no queue or lag has to be explained to a member who just shared. The cost
is a few indexed upserts per event (one statement per table for a whole click batch).

Clicks are the exception to "no lag": the redirect only queues a click (services/publishing/click_sink.py),
and the `Click` row — with its points and rollup increments, in one transaction — is written when the
worker's `drain_clicks` job takes it from the inbox, every CLICK_DRAIN_INTERVAL_SECONDS (2 s by default).
So click counts, click points and the boards that show them lag the redirect by up to CLICK_FLUSH_INTERVAL
+ CLICK_DRAIN_INTERVAL_SECONDS (a few seconds); without a running worker they do not move at all.

How events are seen:
* rows written through the ORM session (points awards, shares, status changes) — a session
  `after_flush` listener (services/analytics/rollup_listeners.py, installed by the app factory) turns each
  *inserted* PointsEntry / Click, each Share that starts counting (intent "shared", API "published") and
  each counted Share that stops counting or moves day into deltas;
* ledger entries bulk-inserted through the ORM (`points.award_clicks`) — a `do_orm_execute` listener;
* clicks bulk-inserted with ON CONFLICT DO NOTHING (the worker's drain of the click inbox) — the writer calls
  `clicks_counted()` with the rows the database actually inserted (RETURNING).
* API shares the publishing worker records as published, with their points entries, in plain statements
  (services/publishing/published.py) — the recorder calls `apply()` with the deltas the listener would make of
  the same rows (+1 share and the points, on the organization's day of the publication).

Idempotent: increments are keyed on the event's own unique row — only an INSERT that really happened
(the ledger's unique (reason, source) keys, the click table's dedupe keys with ON CONFLICT DO NOTHING,
a share's status transition) produces a delta, so a retried award, a share recorded again or a click
batch flushed twice adds nothing. `rebuild-rollups` recomputes everything from the raw rows (engagement from
the snapshots).

Engagement: the engagement job (services/publishing/metrics.py) calls `engagement_gained()` in the
transaction that stores a snapshot, with each new snapshot's increase over the share's previous figures
(likes + reposts + replies + quotes, unknown ones adding nothing, as services/analytics/engagement.py counts
them), on the org-local day the reading was taken. It compares with the share's latest figures under the
share's lock and skips a reading older than (or the same as) the one stored, so a retried reading adds nothing;
a post deleted on the network stores no snapshot and keeps its last figures (no drop to zero).
Potential reach is not kept here: it is each share's account followers as last read, a figure of the share,
not of a day, and every page reads it from the shares (engagement.by_network); `reach` stays NULL (unknown).

A deleted membership's cells are taken out of the post-day totals, then deleted with its standings (as
its ledger goes by cascade); a deleted team's standings are removed.
Not seen (run `flask ambassador rebuild-rollups --org <slug>` after them): rows removed by other
database cascades (deleting a post deletes its shares, their clicks and engagement snapshots), and a post moved
to another campaign.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import NamedTuple, cast

import sqlalchemy as sa

from ...extensions import db
from ...infra.upsert import upsert
from ...models import (
    NO_ID,
    NO_NETWORK,
    Click,
    Organization,
    Post,
    RollupCell,
    RollupPostDay,
    Share,
    TrackedLink,
)
from ...models.points import SPENDING_REASONS
from ..community.points import lock_member_rows, zone_day
from . import stamps, standing_additions, team_rollups
from .standing_queue import Addition

CELL = cast(sa.Table, RollupCell.__table__)
POST_DAY = cast(sa.Table, RollupPostDay.__table__)
_CHUNK = 400


@dataclass(frozen=True)
class Delta:
    """A change to one cell. `reach` None = no figure (unknown stays unknown; nothing feeds it, see above)."""

    org_id: int
    day: date
    membership_id: int
    post_id: int = NO_ID
    network: str = NO_NETWORK
    points: int = 0
    shares: int = 0
    clicks: int = 0
    engagement: int = 0
    reach: int | None = None
    campaign_id: int = NO_ID  # filled in by apply() from the post


class PointsRow(NamedTuple):
    org_id: int
    membership_id: int
    points: int
    reason: str
    share_id: int | None
    click_id: int | None
    day: date


class ClickRow(NamedTuple):
    org_id: int
    link_id: int
    at: datetime


def _campaigns(conn: sa.Connection, post_ids: set[int]) -> dict[int, int]:
    ids = sorted(post_ids - {NO_ID})
    found: dict[int, int] = {}
    for start in range(0, len(ids), _CHUNK):
        found.update(conn.execute(_campaigns_statement(), {"ids": ids[start:start + _CHUNK]}).tuples().all())
    return found


@functools.cache
def _campaigns_statement() -> sa.Select:
    """Built once (its cache key too): every batch of events reads its posts' campaigns."""
    return sa.select(Post.id, Post.campaign_id).where(Post.id.in_(sa.bindparam("ids", expanding=True)))


SUMS = ("points", "shares", "clicks", "engagement")


def _merged(deltas: Iterable[Delta], key) -> dict[tuple, dict]:
    merged: dict[tuple, dict] = {}
    for d in deltas:
        k = key(d)
        row = merged.get(k)
        if row is None:
            merged[k] = row = {"campaign_id": d.campaign_id, "reach": None, **dict.fromkeys(SUMS, 0)}
        for name in SUMS:
            row[name] += getattr(d, name)
        if d.reach is not None:
            row["reach"] = (row["reach"] or 0) + d.reach
    return merged


def lock_members(conn: sa.Connection, ids: set[int]) -> None:
    """PostgreSQL: lock the members first, in id order, as the points ledger does (services/community/points.py).

    Every writer then takes member locks before the shared rollup rows (a post-day total is shared by
    every member sharing that post), so two writers never hold one and wait for the other.
    """
    lock_member_rows(conn, ids)


def apply(deltas: Iterable[Delta], *, conn: sa.Connection | None = None, members_locked: bool = False) -> None:
    """Add `deltas` to the cells, the standings, the team totals and the post-day totals (in the caller's
    transaction).
    `members_locked`: the caller holds the deltas' members' locks already (lock_members)."""
    deltas = [d for d in deltas if d.points or d.shares or d.clicks or d.engagement or d.reach]
    if not deltas:
        return
    conn = conn or db.session.connection()
    stamps.changed({d.org_id for d in deltas})
    if not members_locked:
        lock_members(conn, {d.membership_id for d in deltas})
    campaigns = _campaigns(conn, {d.post_id for d in deltas})
    deltas = [replace(d, campaign_id=campaigns.get(d.post_id, NO_ID)) for d in deltas]
    cells = _merged(deltas, lambda d: (d.org_id, d.day, d.membership_id, d.post_id, d.network))
    upsert(conn, CELL, [{"org_id": k[0], "day": k[1], "membership_id": k[2], "post_id": k[3], "network": k[4], **v}
                         for k, v in cells.items()],
           keys=("org_id", "day", "membership_id", "post_id", "network"), adds=SUMS, nullable_adds=("reach",))
    # The rows many writers share last (standing counts, team totals, then post-day totals): each writer holds
    # their locks only from here to its commit, and the others queue on them for that long, not for the batch.
    standing_additions.add(conn, [
        (d.day, Addition(d.org_id, "", d.membership_id, d.campaign_id, d.network, d.points, d.shares, d.clicks))
        for d in deltas if d.points or d.shares or d.clicks])
    team_rollups.add(conn, deltas)
    posts = _merged(deltas, lambda d: (d.org_id, d.day, d.post_id, d.network))
    upsert(conn, POST_DAY, [{"org_id": k[0], "day": k[1], "post_id": k[2], "network": k[3], **v}
                             for k, v in posts.items()],
           keys=("org_id", "day", "post_id", "network"), adds=SUMS, nullable_adds=("reach",))


# --- from raw rows to deltas ---------------------------------------------------------------------


def _zones(conn: sa.Connection, org_ids: set[int]) -> dict[int, str]:
    return {oid: tz or "UTC" for oid, tz in conn.execute(
        sa.select(Organization.id, Organization.timezone).where(Organization.id.in_(sorted(org_ids))))}


def _links(conn: sa.Connection, link_ids: set[int]) -> dict[int, tuple[int, int, str]]:
    """{link id: (membership id, post id, network)}."""
    ids = sorted(link_ids)
    found: dict[int, tuple[int, int, str]] = {}
    for start in range(0, len(ids), _CHUNK):
        for row in conn.execute(sa.select(TrackedLink.id, TrackedLink.membership_id, TrackedLink.post_id,
                                          TrackedLink.network).where(TrackedLink.id.in_(ids[start:start + _CHUNK]))):
            found[row.id] = (row.membership_id, row.post_id, row.network)
    return found


def click_deltas(conn: sa.Connection, rows: Sequence[ClickRow], *, sign: int = 1) -> list[Delta]:
    if not rows:
        return []
    zones, links = _zones(conn, {r.org_id for r in rows}), _links(conn, {r.link_id for r in rows})
    deltas = []
    for r in rows:
        if r.link_id in links:
            member, post, network = links[r.link_id]
            deltas.append(Delta(r.org_id, zone_day(zones[r.org_id], r.at), member, post, network, clicks=sign))
    return deltas


def _sources(conn: sa.Connection, rows: Sequence[PointsRow]) -> tuple[dict[int, tuple[int, str]], dict[int, int]]:
    """({share id: (post, network)}, {click id: link id}) for the entries' sources."""
    share_ids = sorted({r.share_id for r in rows if r.share_id})
    click_ids = sorted({r.click_id for r in rows if r.click_id})
    shares: dict[int, tuple[int, str]] = {}
    clicks: dict[int, int] = {}
    for start in range(0, len(share_ids), _CHUNK):
        for sid, post, network in conn.execute(sa.select(Share.id, Share.post_id, Share.network)
                                               .where(Share.id.in_(share_ids[start:start + _CHUNK]))):
            shares[sid] = (post, network)
    for start in range(0, len(click_ids), _CHUNK):
        clicks.update(conn.execute(sa.select(Click.id, Click.tracked_link_id)
                                   .where(Click.id.in_(click_ids[start:start + _CHUNK]))).tuples().all())
    return shares, clicks


def points_deltas(conn: sa.Connection, rows: Sequence[PointsRow], *, sign: int = 1) -> list[Delta]:
    """Earned points (spending left out), attributed to the post and network of their share or click."""
    rows = [r for r in rows if r.reason not in SPENDING_REASONS and r.points]
    if not rows:
        return []
    shares, clicks = _sources(conn, rows)
    links = _links(conn, set(clicks.values()))
    deltas = []
    for r in rows:
        post, network = NO_ID, NO_NETWORK
        if r.share_id in shares:
            post, network = shares[r.share_id]
        elif r.click_id in clicks and clicks[r.click_id] in links:
            _member, post, network = links[clicks[r.click_id]]
        deltas.append(Delta(r.org_id, r.day, r.membership_id, post, network, points=sign * r.points))
    return deltas


class ShareState(NamedTuple):
    counted: bool
    moment: datetime


def _share_delta(zones: dict[int, str], share: Share, state: ShareState, sign: int) -> Delta:
    return Delta(share.org_id, zone_day(zones[share.org_id], state.moment), share.membership_id, share.post_id,
                 share.network, shares=sign)


ShareChange = tuple[Share, ShareState | None, ShareState | None]


def share_deltas(conn: sa.Connection, changes: Sequence[ShareChange]) -> list[Delta]:
    """(share, before, after) → -1 on the day it counted before, +1 on the day it counts now."""
    changes = [c for c in changes if (c[1] and c[1].counted) or (c[2] and c[2].counted)]
    if not changes:
        return []
    zones = _zones(conn, {share.org_id for share, _, _ in changes})
    deltas = []
    for share, before, after in changes:
        if before == after:
            continue
        if before and before.counted:
            deltas.append(_share_delta(zones, share, before, -1))
        if after and after.counted:
            deltas.append(_share_delta(zones, share, after, 1))
    return deltas


# --- the calls writers make ----------------------------------------------------------------------


def clicks_counted(rows: Sequence[ClickRow]) -> None:
    """Counted clicks just inserted by a bulk statement (the click buffer's flush)."""
    conn = db.session.connection()
    apply(click_deltas(conn, rows), conn=conn)


def points_written(rows: Sequence[PointsRow]) -> None:
    """Ledger entries just inserted by a bulk statement."""
    conn = db.session.connection()
    apply(points_deltas(conn, rows), conn=conn)


class EngagementGain(NamedTuple):
    share_id: int
    at: datetime  # when the reading was taken (naive UTC)
    gain: int  # its increase over the share's previous reading (negative: unliked, a reply removed …)


def _shares(conn: sa.Connection, share_ids: set[int]) -> dict[int, tuple[int, int, int, str]]:
    """{share id: (org id, membership id, post id, network)}."""
    ids = sorted(share_ids)
    found: dict[int, tuple[int, int, int, str]] = {}
    for start in range(0, len(ids), _CHUNK):
        for row in conn.execute(sa.select(Share.id, Share.org_id, Share.membership_id, Share.post_id, Share.network)
                                .where(Share.id.in_(ids[start:start + _CHUNK]))):
            found[row.id] = (row.org_id, row.membership_id, row.post_id, row.network)
    return found


def engagement_gained(gains: Sequence[EngagementGain]) -> None:
    """For the engagement job, in the transaction that stores the snapshots: add each reading's increase to its
    share's cell (member, post, network) on the org-local day it was taken. The caller adds a reading once (it
    compares with the share's latest figures under the share's lock)."""
    gains = [g for g in gains if g.gain]
    if not gains:
        return
    conn = db.session.connection()
    shares = _shares(conn, {g.share_id for g in gains})
    zones = _zones(conn, {org_id for org_id, _member, _post, _network in shares.values()})
    deltas = []
    for g in gains:
        if g.share_id in shares:
            org_id, member, post, network = shares[g.share_id]
            deltas.append(Delta(org_id, zone_day(zones[org_id], g.at), member, post, network, engagement=g.gain))
    apply(deltas, conn=conn)
