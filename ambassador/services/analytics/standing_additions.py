"""Events added to the standings (services/analytics/standings.py says what they hold): each event to every built
window containing its day, in every scope it belongs to, in the event's own transaction — or, for the shares
the publishing worker records, queued (standing_queue.py) and added by the worker with `add_queued`.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import cast

import sqlalchemy as sa

from ...infra.upsert import upsert
from ...models import NO_ID, NO_NETWORK, Membership, MemberStatus, Standing, User
from . import stamps, standing_counts, standing_events, standing_queue, team_rollups
from .boards import sort_name
from .standing_events import NO_TEAM
from .standings import built_windows

_STANDING = cast(sa.Table, Standing.__table__)
_SUMS = ("points", "shares", "clicks")


def _scopes(inc: standing_queue.Addition, teams: Sequence[int]) -> list[tuple[int, str, int]]:
    campaigns = [NO_ID] + ([inc.campaign_id] if inc.campaign_id != NO_ID else [])
    nets = [NO_NETWORK] + ([inc.network] if inc.network != NO_NETWORK else [])
    return [(c, n, t) for c in campaigns for n in nets for t in (0, *(teams or [NO_TEAM]))]


def _members(conn: sa.Connection, ids: set[int]) -> tuple[dict[int, tuple[str, str]], dict[int, list[int]]]:
    """({active member id: (kind, sort name)}, {member id: team ids})."""
    kinds = {mid: (kind, name) for mid, kind, name in conn.execute(
        sa.select(Membership.id, Membership.kind, sort_name()).join(User, User.id == Membership.user_id)
        .where(Membership.id.in_(sorted(ids)), Membership.status == MemberStatus.ACTIVE))}
    return kinds, team_rollups.active_teams(conn, kinds)


def add(conn: sa.Connection, events: Sequence[tuple[date, standing_queue.Addition]]) -> None:
    """Add events (their org-local day, and what they add, the window left blank) to every built window containing
    their day, in every scope they belong to (within standing_queue.deferred(): queue them, for the worker)."""
    if not events:
        return
    windows = built_windows(conn, {a.org_id for _day, a in events}, lock=True)
    additions = standing_queue.merged([
        a._replace(window=w.window) for day, a in events for w in windows
        if w.org_id == a.org_id and (w.first_day is None or w.first_day <= day <= w.last_day)])
    if standing_queue.deferring():
        standing_queue.put(conn, additions)
    else:
        _add(conn, additions)


# At most this many queued rows per statement (a few seconds of a busy worker's shares, ~5 windows each).
QUEUE_BATCH = 5000


def add_queued(conn: sa.Connection, *, limit: int = QUEUE_BATCH) -> int:
    """Add what the publishing worker queued to the standings, up to `limit` rows (the caller commits); how many
    rows it took (standing_queue.py says why this is exact)."""
    org_ids = standing_queue.org_ids(conn)
    if not org_ids:
        return 0
    built_windows(conn, set(org_ids), lock=True)  # the share locks a recorder holds, before its rows
    taken = standing_queue.take(conn, org_ids, limit)
    if taken:
        stamps.changed({a.org_id for a in taken})
        _add(conn, standing_queue.merged(taken))
    return len(taken)


def _add(conn: sa.Connection, additions: Sequence[standing_queue.Addition]) -> None:
    """Add each member's additions to their standings in its window and scope, with the member's teams (and
    "all"), and move the standing counts (the caller holds the windows' share locks)."""
    if not additions:
        return
    if conn.dialect.name == "postgresql":  # one statement, the fan-out done by the database
        standing_events.add(conn, additions)
        return
    kinds, teams = _members(conn, {a.membership_id for a in additions})
    rows: dict[tuple, dict] = {}
    for a in additions:
        if a.membership_id not in kinds:
            continue
        for campaign, network, team in _scopes(a, teams[a.membership_id]):
            key = (a.org_id, a.window, campaign, network, team, a.membership_id)
            kind, name = kinds[a.membership_id]
            row = rows.setdefault(key, {"kind": kind, "sort_name": name, **dict.fromkeys(_SUMS, 0)})
            for name in _SUMS:
                row[name] += getattr(a, name)
    names = ("org_id", "window", "campaign_id", "network", "team_id", "membership_id")
    before = _totals_before(conn, list(rows))
    upsert(conn, _STANDING, [dict(zip(names, key, strict=True), **row) for key, row in rows.items()],
           keys=names, adds=_SUMS)
    zero = standing_counts.Totals(0, 0, 0)
    standing_counts.moved(conn, (
        (key[:5], row["kind"], before.get(key),
         standing_counts.Totals(*(n + row[name] for n, name in zip(before.get(key, zero), _SUMS, strict=True))))
        for key, row in rows.items()))


_KEY_CHUNK = 150  # standing keys per statement (6 parameters each)


def _totals_before(conn: sa.Connection, keys: list[tuple]) -> dict[tuple, standing_counts.Totals]:
    """{standing key: its totals} for the keys that have a row (read under the members' locks: rollups.apply)."""
    columns = [_STANDING.c[name] for name in ("org_id", "window", "campaign_id", "network", "team_id",
                                               "membership_id")]
    found: dict[tuple, standing_counts.Totals] = {}
    for start in range(0, len(keys), _KEY_CHUNK):
        for row in conn.execute(sa.select(*columns, *(_STANDING.c[name] for name in _SUMS))
                                .where(sa.tuple_(*columns).in_(keys[start:start + _KEY_CHUNK]))):
            found[tuple(row[:6])] = standing_counts.Totals(*(int(n) for n in row[6:]))
    return found
