"""Standing counts: per window, scope and kind, how many standings hold each points total (a histogram).

A competition rank is 1 + the members with more points; counting them in the standings reads an index range of
up to every member of the scope (100,000 entries: 6–17 ms each on PostgreSQL under load). The counts answer the
same question from a few hundred rows: Σ members over the totals above. Kept in the transaction that changes the
standings (services/analytics/standings.py calls these):

* an event: `moved()` with each standing's total before (None: the row is new) and after;
* a window (re)built, a member's rows rebuilt, rows deleted: `recount()` subtracts the counts of the rows about to
  go (sign -1) or adds those of rows just written (sign +1), straight from the standings, and `forget()` drops a
  whole window's or team's counts.

Counts falling to 0 stay (they add nothing) until the window is rebuilt. A property test
(tests/services/analytics/test_rollups_property.py) holds the counts equal to the standings they count.
"""
from __future__ import annotations

import functools
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ...extensions import db
from ...infra import compiled
from ...infra.json_sql import json_list, json_row
from ...infra.upsert import upsert
from ...models import NO_ID, NO_NETWORK, Standing, StandingCount
from .boards import Scope

_COUNT = cast(sa.Table, StandingCount.__table__)
_STANDING = cast(sa.Table, Standing.__table__)
KEYS = ("org_id", "window", "campaign_id", "network", "team_id", "points", "kind")
_SCOPE = ("org_id", "window", "campaign_id", "network", "team_id")


SUMS = ("members", "shares", "clicks", "sharers")


class Totals(NamedTuple):
    points: int
    shares: int
    clicks: int


def moved(conn: sa.Connection, changes: Iterable[tuple[tuple, str, Totals | None, Totals]]) -> None:
    """Standings changed by events: (scope key (org, window, campaign, network, team), kind, totals before or None
    for a new row, totals after)."""
    deltas: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for scope, kind, before, after in changes:
        if before == after:
            continue
        for totals, sign in ((before, -1), (after, 1)):
            if totals is not None:
                sums = deltas[(*scope, totals.points, kind)]
                for i, n in enumerate((1, totals.shares, totals.clicks, int(totals.shares > 0))):
                    sums[i] += sign * n
    rows = [dict(zip(KEYS, key, strict=True), **dict(zip(SUMS, sums, strict=True)))
            for key, sums in deltas.items() if any(sums)]
    upsert(conn, _COUNT, rows, keys=KEYS, adds=SUMS)


def recount(conn: sa.Connection, where: list, *, sign: int) -> None:
    """Add (sign +1) or subtract (-1) the standings matching `where` to or from the counts, in one statement."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    columns = [_STANDING.c[name] for name in KEYS]
    sums = (sa.func.count(), sa.func.sum(_STANDING.c.shares), sa.func.sum(_STANDING.c.clicks),
            sa.func.count(sa.case((_STANDING.c.shares > 0, 1))))
    # WHERE is never empty: SQLite needs one to read ON CONFLICT after INSERT … SELECT.
    query = sa.select(*columns, *(sign * n for n in sums)).where(sa.true(), *where).group_by(*columns)
    stmt = insert(_COUNT).from_select([*KEYS, *SUMS], query)
    conn.execute(stmt.on_conflict_do_update(index_elements=list(KEYS),
                                            set_={name: _COUNT.c[name] + stmt.excluded[name] for name in SUMS}))


def forget(conn: sa.Connection, *, org_id: int | None = None, windows: list[str] | None = None,
           window_like: str | None = None, team_ids: list[int] | None = None) -> None:
    where = []
    if org_id is not None:
        where.append(_COUNT.c.org_id == org_id)
    if windows is not None:
        where.append(_COUNT.c.window.in_(windows))
    if window_like is not None:
        where.append(_COUNT.c.window.like(window_like))
    if team_ids is not None:
        where.append(_COUNT.c.team_id.in_(team_ids))
    conn.execute(sa.delete(_COUNT).where(*where))


def rebuild_window(conn: sa.Connection, *, org_id: int, key: str) -> None:
    """Count a window's standings again (after they were rebuilt)."""
    forget(conn, org_id=org_id, windows=[key])
    recount(conn, [_STANDING.c.org_id == org_id, _STANDING.c.window == key], sign=1)


# --- reading -----------------------------------------------------------------------------------------------


def in_scope(org_id: int, key: str, scope: Scope) -> list:
    conditions = [StandingCount.org_id == org_id, StandingCount.window == key,
                  StandingCount.campaign_id == scope.campaign_key, StandingCount.network == scope.network_key,
                  StandingCount.team_id == scope.team_key]
    if scope.kind:
        conditions.append(StandingCount.kind == scope.kind)
    return conditions


def members(org_id: int, key: str, scope: Scope, *conditions) -> int:
    """How many standings of the scope (with points matching `conditions`)."""
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(StandingCount.members), 0))
                                 .where(*in_scope(org_id, key, scope), *conditions)) or 0)


def per_team(org_id: int, key: str) -> list[tuple[int, int, int]]:
    """[(team id, shares, clicks)] of the window's team scopes (every campaign and network; NO_TEAM included)."""
    return [(int(team), int(shares or 0), int(clicks or 0)) for team, shares, clicks in db.session.execute(
        sa.select(StandingCount.team_id, sa.func.sum(StandingCount.shares), sa.func.sum(StandingCount.clicks))
        .where(StandingCount.org_id == org_id, StandingCount.window == key, StandingCount.campaign_id == NO_ID,
               StandingCount.network == NO_NETWORK, StandingCount.team_id != 0)
        .group_by(StandingCount.team_id))]


def sharers(org_id: int, key: str) -> int:
    """Members with a counted share in the window (every campaign, network and team)."""
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(StandingCount.sharers), 0))
                                 .where(*in_scope(org_id, key, Scope()))) or 0)


@dataclass
class Histogram:
    """Members per points total of one window and scope: competition ranks summed in memory."""

    points: list[int]  # ascending
    at_most: list[int]  # members with points <= points[i]
    total: int  # every ranked member of the scope (those without a standing are at 0)

    def rank(self, value: int) -> int:
        """1 + members with more points (members without a standing, at 0, count above a negative total)."""
        counted = self.at_most[-1] if self.at_most else 0
        i = bisect_right(self.points, value)
        above = counted - (self.at_most[i - 1] if i else 0)
        return 1 + above + (self.total - counted if value < 0 else 0)

    def members(self, test: Callable[[int], bool]) -> int:
        """Standings whose points pass `test`."""
        return sum(n - (self.at_most[i - 1] if i else 0) for i, (value, n) in enumerate(zip(
            self.points, self.at_most, strict=True)) if test(value))


def histograms(org_id: int, keys: Iterable[str], scope: Scope, total: int) -> dict[str, Histogram]:
    """{window: its histogram in the scope} of one or two windows in one statement (a few hundred totals each,
    read as one JSON value); `total`: how many members the scope ranks."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    assert len(wanted) <= 2, wanted
    counts = compiled.read(db.session, _histograms_statement(bool(scope.kind)), {
        "org_id": org_id, "first": wanted[0], "second": wanted[-1], "campaign_id": scope.campaign_key,
        "network": scope.network_key, "team_id": scope.team_key, "kind": scope.kind}).scalar_one()
    return from_counts(wanted, counts, total)


def from_counts(keys: Iterable[str], counts: Iterable[Iterable], total: int) -> dict[str, Histogram]:
    """{window: histogram} from `counts_json()`'s [window, points, members] triples, in any order."""
    found: dict[str, Histogram] = {key: Histogram(points=[], at_most=[], total=total) for key in keys}
    for window, points, n in sorted((str(w), int(p), int(n or 0)) for w, p, n in counts):
        histogram = found[window]
        histogram.points.append(points)
        histogram.at_most.append((histogram.at_most[-1] if histogram.at_most else 0) + n)
    return found


@functools.cache
def counts_json(by_kind: bool) -> sa.ScalarSelect:
    """The scope's [window, points, members] in windows `first` and `second` as one JSON list (bind parameters:
    org_id, first, second, campaign_id, network, team_id and, by kind, kind): a few hundred rows each were as
    many rows to fetch. Read alone (`histograms()`) or with a kept board's stamp check (board_viewer.py).

    The parameters are hidden from the planner (each a one-row subquery, still an index condition): PostgreSQL
    plans a prepared statement for each execution's values until the generic plan looks no dearer than those
    custom plans. With the values of a narrow scope, or of a small organization beside large ones, a custom plan
    expected a few count rows where the generic plan expects the average, so the viewer's read with its
    read-ahead was planned on every view (1.7 ms of a 3.4 ms board computed afresh at 100,000 members). The
    plan is the same index scan either way."""
    count = StandingCount

    def hidden(name: str, type_: type) -> sa.ScalarSelect:
        return sa.select(sa.bindparam(name, type_=type_)).scalar_subquery()

    conditions = [count.org_id == hidden("org_id", sa.Integer),
                  count.window.in_([hidden("first", sa.String), hidden("second", sa.String)]),
                  count.campaign_id == hidden("campaign_id", sa.Integer),
                  count.network == hidden("network", sa.String),
                  count.team_id == hidden("team_id", sa.Integer)]
    if by_kind:
        conditions.append(count.kind == hidden("kind", sa.String))
    per_total = (sa.select(count.window, count.points, sa.func.sum(count.members).label("members"))
                 .where(*conditions).group_by(count.window, count.points).subquery())
    return sa.select(json_list(json_row(*per_total.c))).scalar_subquery()


@functools.cache
def _histograms_statement(by_kind: bool) -> sa.Select:
    """Built and compiled once (infra/compiled.py): every board computed afresh without a read-ahead runs it."""
    return sa.select(sa.type_coerce(counts_json(by_kind), sa.JSON))
