"""Recording the shares the networks confirmed, in plain statements: the worker's recorder, a batch at a time.

A confirmed share is most of what the worker records: its row set to published, its points (once per member,
post and network, within the member's daily cap: settled_shares.payable, points.share_awards), its rollups (cells,
post-day totals, standings: rollups.apply) and its `share.published` webhook. Done through the ORM, that was an
entity per share and per ledger entry, a flush with one UPDATE per share, and the session listener reading the
shares and their organizations back to turn the changes into rollup deltas: more than half of the worker's
interpreter time. Here a batch is a few statements, the same for any size (infra/array_rows.py), and the deltas
come from what the recorder holds: +1 share and the points awarded, on the organization's day of the publication —
what services/analytics/rollup_listeners.py makes of the same changes (a share starts counting; an entry is
inserted), so the rollups stay equal to the raw rows (tests/services/analytics/test_rollups_property.py).

The caller (outcomes.py) holds the shares' and their members' locks (taken in that order, as every recording
does), and calls this in the recording's transaction.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, cast

import sqlalchemy as sa

from ...infra import array_rows
from ...infra.json_sql import in_json_ids, json_ids
from ...models import Organization, PointsEntry, Share, ShareStatus
from ...models.sharing import COUNTED_SHARE_STATUSES
from ...providers.base import PublishResult
from ..analytics import rollups
from ..community import points
from . import leases
from .settled_shares import payable

_SHARE = cast(sa.Table, Share.__table__)
_ENTRY = cast(sa.Table, PointsEntry.__table__)
# The statuses a share the network confirmed is recorded from (whoever held its lease meanwhile). None of them
# counts (COUNTED_SHARE_STATUSES), so publishing only ever adds a share to the rollups.
PUBLISHABLE = (ShareStatus.PUBLISHING, ShareStatus.UNCONFIRMED, ShareStatus.SCHEDULED)
assert not set(PUBLISHABLE) & set(COUNTED_SHARE_STATUSES)


class Locked(NamedTuple):
    """A share as the recorder locked it (and, once recorded, as it is then)."""
    id: int
    org_id: int
    membership_id: int
    post_id: int
    network: str
    account_id: int | None
    status: str
    lease_owner: str | None
    created_at: datetime
    published_at: datetime | None
    external_url: str | None
    error: str | None


class OrgRules(NamedTuple):
    id: int
    timezone: str | None
    points_share: int
    daily_share_points_cap: int


def lock(conn: sa.Connection, share_ids: Sequence[int]) -> dict[int, Locked]:
    """Lock the shares (in id order) and read them: {share id: its row}; a deleted share is missing."""
    rows = conn.execute(_lock_statement(), {"ids": json_ids(sorted(share_ids))})
    return {row[0]: Locked(*row) for row in rows}


@functools.cache
def _lock_statement() -> sa.Select:
    """Built once; one SQL text whatever the batch's size (the ids as one JSON array)."""
    return (sa.select(*(_SHARE.c[name] for name in Locked._fields)).where(in_json_ids(_SHARE.c.id, "ids"))
            .order_by(_SHARE.c.id).with_for_update())


_UPDATED = (("id", sa.Integer()), ("external_id", sa.String()), ("external_url", sa.String()),
            ("published_at", sa.DateTime()))
_CLEARED = (("status", ShareStatus.PUBLISHED), ("error", None), ("error_kind", None), ("next_attempt_at", None),
            ("lease_owner", None), ("lease_expires_at", None))
_ENTRY_COLUMNS = (("org_id", sa.Integer()), ("membership_id", sa.Integer()), ("points", sa.Integer()),
                  ("reason", sa.String()), ("note", sa.String()), ("share_id", sa.Integer()), ("day", sa.Date()),
                  ("created_at", sa.DateTime()))


def record(conn: sa.Connection, confirmed: Sequence[tuple[Locked, PublishResult]], *, now: datetime) -> list[Locked]:
    """Record the shares the networks confirmed (each locked, in PUBLISHABLE): published at `now`, their points
    and rollups; returns them as they are now (for their webhooks)."""
    if not confirmed:
        return []
    published = [share._replace(status=ShareStatus.PUBLISHED, published_at=now, error=None,
                                external_url=(result.url or "")[:2048] or None) for share, result in confirmed]
    array_rows.update(conn, _SHARE, "id", _UPDATED, [
        (share.id, (result.external_id or "")[:255] or None, row.external_url, now)
        for (share, result), row in zip(confirmed, published, strict=True)], _CLEARED)
    leases.requeue_behind(conn, [share.account_id for share in published if share.account_id is not None], now=now)
    orgs = _org_rules(conn, {share.org_id for share in published})
    awards = points.share_awards(payable(published), orgs)
    array_rows.insert(conn, _ENTRY, _ENTRY_COLUMNS, [
        (a.org_id, a.membership_id, a.points, "share", "", a.share_id, a.day, a.at) for a in awards])
    earned = {a.share_id: a.points for a in awards}
    rollups.apply([rollups.Delta(s.org_id, points.zone_day(orgs[s.org_id].timezone, now), s.membership_id, s.post_id,
                                 s.network, shares=1, points=earned.get(s.id, 0)) for s in published],
                  conn=conn, members_locked=True)
    return published


def _org_rules(conn: sa.Connection, org_ids: set[int]) -> dict[int, OrgRules]:
    return {row[0]: OrgRules(*row) for row in conn.execute(_org_statement(), {"ids": json_ids(sorted(org_ids))})}


@functools.cache
def _org_statement() -> sa.Select:
    return sa.select(Organization.id, Organization.timezone, Organization.points_share,
                     Organization.daily_share_points_cap).where(in_json_ids(Organization.id, "ids"))
