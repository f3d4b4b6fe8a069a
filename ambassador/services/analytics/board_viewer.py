"""The viewer's own row on a board read from the standings: one statement reads the organization's stamps, the
member, their teams and their standings in the board's window and the period before; the rank and previous rank
are summed in memory from the scope's histograms (standing_counts.Histogram). Used by boards computed afresh
(board_standings.py) and by boards kept in memory (board_cache.py), whose stamp check it is.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ...extensions import db
from ...infra import compiled
from ...models import Membership, MemberStatus, Standing, StandingWindow, Team, User
from ...models.organization import membership_team
from . import stamps
from .boards import BoardRow, Scope, display_name
from .standing_counts import Histogram

Span = tuple[date | None, date | None]


@dataclass(frozen=True)
class Viewer:
    """What `read()` found: the stamp, the member's rows (one per team × standing in `windows`, one or two of
    them; none when the member is not in the organization) and the days of those windows that are built."""

    stamp: int
    windows: tuple[str, ...]
    rows: list
    built: dict[str, Span] = field(default_factory=dict)

    def keys_for(self, spans: tuple[Span, ...]) -> list[str | None] | None:
        """The windows, when they are still built for exactly these days (one per span, in order); else None
        (standings.keys_for() then looks)."""
        if len(spans) != len(self.windows) or any(self.built.get(key) != span
                                                  for key, span in zip(self.windows, spans, strict=True)):
            return None
        return list(self.windows)


def read(org_id: int, windows: tuple[str, ...], scope: Scope, me_id: int) -> Viewer:
    rows = list(compiled.read(db.session, _statement(), {
        "org_id": org_id, "first": windows[0], "second": windows[-1], "campaign_id": scope.campaign_key,
        "network": scope.network_key, "team_id": scope.team_key, "me_id": me_id}))
    if not rows:
        return Viewer(stamp=stamps.seen(org_id), windows=windows, rows=[])
    first = rows[0]
    stamps.saw(org_id, first.stamp, first.members_stamp)
    built = {key: (day_one, day_last) for key, day_one, day_last in (
        (first.w1, first.w1_first, first.w1_last), (first.w2, first.w2_first, first.w2_last)) if key is not None}
    return Viewer(stamp=int(first.stamp or 0), windows=windows, rows=rows, built=built)


@functools.cache
def _statement() -> sa.Select:
    """Built and compiled once (infra/compiled.py): every view of a kept board runs it, and building it took
    longer than running it."""
    org_id = sa.bindparam("org_id", type_=sa.Integer)
    windows = [sa.bindparam("first", type_=sa.String), sa.bindparam("second", type_=sa.String)]
    standing = sa.and_(Standing.org_id == org_id, Standing.window.in_(windows),
                       Standing.campaign_id == sa.bindparam("campaign_id", type_=sa.Integer),
                       Standing.network == sa.bindparam("network", type_=sa.String),
                       Standing.team_id == sa.bindparam("team_id", type_=sa.Integer),
                       Standing.membership_id == Membership.id)
    w1, w2 = aliased(StandingWindow), aliased(StandingWindow)  # the windows' days, when built
    return (sa.select(stamps.column(org_id).label("stamp"), stamps.members_column(org_id).label("members_stamp"),
                      Membership.status, Membership.kind, User.name, User.email, Standing.window, Standing.points,
                      Standing.shares, Standing.clicks, Team.id.label("team_id"), Team.name.label("team"),
                      *(column.label(f"w{i}{suffix}") for i, w in ((1, w1), (2, w2))
                        for column, suffix in ((w.window, ""), (w.first_day, "_first"), (w.last_day, "_last"))))
            .join(User, User.id == Membership.user_id).outerjoin(Standing, standing)
            .outerjoin(w1, sa.and_(w1.org_id == org_id, w1.window == windows[0], w1.built_at.is_not(None)))
            .outerjoin(w2, sa.and_(w2.org_id == org_id, w2.window == windows[1], w2.built_at.is_not(None)))
            .outerjoin(membership_team, membership_team.c.membership_id == Membership.id)
            .outerjoin(Team, sa.and_(Team.id == membership_team.c.team_id, Team.org_id == org_id))
            .where(Membership.id == sa.bindparam("me_id", type_=sa.Integer), Membership.org_id == org_id))


def row(viewer: Viewer, scope: Scope, me_id: int, *, key: str, before: str | None,
        histogram: Callable[[str], Histogram]) -> BoardRow | None:
    """The viewer's row in window `key` (with the previous rank in window `before`, when given and their totals
    there are not all 0); None when the board does not rank them."""
    if not viewer.rows:
        return None
    first = viewer.rows[0]
    teams = {r.team_id: r.team for r in viewer.rows if r.team_id is not None}
    if first.status != MemberStatus.ACTIVE or (scope.kind and first.kind != scope.kind) or (
            scope.team_id is not None and scope.team_id not in teams):
        return None
    totals = {r.window: (int(r.points), int(r.shares), int(r.clicks)) for r in viewer.rows if r.window is not None}
    points, shares, clicks = totals.get(key, (0, 0, 0))
    rank = histogram(key).rank(points)
    result = BoardRow(membership_id=me_id, rank=rank, position=rank, name=display_name(first.name, first.email),
                      kind=first.kind, teams=sorted(teams.values(), key=str.lower), points=points, shares=shares,
                      clicks=clicks)
    if before is not None and any(totals.get(before, (0, 0, 0))):
        result.previous_rank = histogram(before).rank(totals[before][0])
    return result
