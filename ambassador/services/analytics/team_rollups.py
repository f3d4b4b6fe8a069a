"""The team totals (models.RollupTeamDay: per org-local day × team × campaign × network): what the members in a
team now did, whenever they did it — the by-team rule of the overview and the leaderboards (a member in two teams
counts in both; only active members count). A team's analytics page reads them (scope_rollups.py) instead of its
members' shares and clicks.

Kept in the events' transaction, as the cells are (rollups.py says why): `add` gives each event to the teams its
member is in when it is written (none for a member who is not active). When a member's teams or status change,
their whole history moves (`move_member`, in the change's transaction): their cells, summed per day × campaign ×
network, leave the teams they counted in and join the teams they count in now. A deleted member's leave
(`member_leaves`), a deleted team's rows go (`forget_teams`), and a rebuild sums a run of days again from the cells
(`rebuild_days`).

Locks: the rows are shared by a team's members, like the post-day totals; writers upsert them in key order
(infra/upsert.py) after the members' locks, so two writers never wait on each other in a cycle.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date
from typing import Protocol, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ...infra import compiled
from ...infra.upsert import upsert
from ...models import Membership, MemberStatus, RollupCell, RollupTeamDay, Team
from ...models.organization import membership_team

TEAM_DAY = cast(sa.Table, RollupTeamDay.__table__)
_CELL = cast(sa.Table, RollupCell.__table__)
KEYS = ("org_id", "team_id", "day", "campaign_id", "network")
SUMS = ("points", "shares", "clicks", "engagement")


class Event(Protocol):
    """What one event adds to its member's cell (rollups.Delta)."""

    @property
    def org_id(self) -> int: ...
    @property
    def day(self) -> date: ...
    @property
    def membership_id(self) -> int: ...
    @property
    def campaign_id(self) -> int: ...
    @property
    def network(self) -> str: ...
    @property
    def points(self) -> int: ...
    @property
    def shares(self) -> int: ...
    @property
    def clicks(self) -> int: ...
    @property
    def engagement(self) -> int: ...


def active_teams(conn: sa.Connection, member_ids: Collection[int]) -> dict[int, list[int]]:
    """{member id: the teams they are in}, for the active members among `member_ids`."""
    teams: dict[int, list[int]] = defaultdict(list)
    if not member_ids:
        return teams
    for mid, tid in conn.execute(
            sa.select(membership_team.c.membership_id, membership_team.c.team_id)
            .join(Membership, Membership.id == membership_team.c.membership_id)
            .where(membership_team.c.membership_id.in_(sorted(member_ids)), Membership.status == MemberStatus.ACTIVE)):
        teams[mid].append(tid)
    return teams


def _upsert(conn: sa.Connection, rows: dict[tuple, list[int]]) -> None:
    upsert(conn, TEAM_DAY, [{**dict(zip(KEYS, key, strict=True)), **dict(zip(SUMS, sums, strict=True))}
                            for key, sums in rows.items()], keys=KEYS, adds=SUMS)


def add(conn: sa.Connection, events: Sequence[Event]) -> None:
    """Add events to the teams their members are in (the caller holds the members' locks). On PostgreSQL one
    statement (the events as arrays, joined to the members' teams by the database); elsewhere the teams are read
    first."""
    if not events:
        return
    if conn.dialect.name == "postgresql":
        compiled.execute(conn, _statement(), {f"e_{name}": [getattr(e, name) for e in events]
                                              for name, _type in _EVENT})
        return
    teams = active_teams(conn, {e.membership_id for e in events})
    if not teams:
        return
    rows: dict[tuple, list[int]] = {}
    for e in events:
        for team in teams.get(e.membership_id, ()):
            sums = rows.setdefault((e.org_id, team, e.day, e.campaign_id, e.network), [0, 0, 0, 0])
            for i, n in enumerate((e.points, e.shares, e.clicks, e.engagement)):
                sums[i] += n
    _upsert(conn, rows)


_EVENT = (("org_id", sa.Integer), ("day", sa.Date), ("membership_id", sa.Integer), ("campaign_id", sa.Integer),
          ("network", sa.String), ("points", sa.BigInteger), ("shares", sa.Integer), ("clicks", sa.Integer),
          ("engagement", sa.BigInteger))


@functools.cache
def _statement() -> sa.Insert:
    """PostgreSQL: INSERT … SELECT the events (arrays) joined to their active members' teams, summed per key, in
    key order (the upsert's lock order), ON CONFLICT adding. Built and compiled once."""
    events = (sa.func.unnest(*(sa.bindparam(f"e_{name}", type_=postgresql.ARRAY(type_)) for name, type_ in _EVENT))
              .table_valued(*(sa.column(name, type_) for name, type_ in _EVENT)).render_derived(name="ev"))
    ev = events.c
    keys = (ev.org_id, membership_team.c.team_id, ev.day, ev.campaign_id, ev.network)
    rows = (sa.select(*(key.label(name) for key, name in zip(keys, KEYS, strict=True)),
                      *(sa.func.sum(ev[name]).label(name) for name in SUMS))
            .select_from(events)
            .join(Membership, sa.and_(Membership.id == ev.membership_id, Membership.status == MemberStatus.ACTIVE))
            .join(membership_team, membership_team.c.membership_id == ev.membership_id)
            .group_by(*keys).order_by(*keys))
    insert = postgresql.insert(TEAM_DAY).from_select([*KEYS, *SUMS], rows)
    return insert.on_conflict_do_update(index_elements=list(KEYS),
                                        set_={name: TEAM_DAY.c[name] + insert.excluded[name] for name in SUMS})


def move_member(conn: sa.Connection, *, membership_id: int, out_of: Collection[int], into: Collection[int]) -> None:
    """The member's history leaves the teams `out_of` and joins the teams `into` (teams deleted meanwhile are
    left alone: their rows went with them)."""
    out_of, into = set(out_of) - set(into), set(into) - set(out_of)
    if not (out_of or into):
        return
    existing = set(conn.execute(sa.select(Team.id).where(Team.id.in_(sorted(out_of | into)))).scalars())
    out_of, into = out_of & existing, into & existing
    if not (out_of or into):
        return
    keys = (_CELL.c.org_id, _CELL.c.day, _CELL.c.campaign_id, _CELL.c.network)
    history = conn.execute(sa.select(*keys, *(sa.func.sum(_CELL.c[name]) for name in SUMS))
                           .where(_CELL.c.membership_id == membership_id).group_by(*keys)).all()
    rows: dict[tuple, list[int]] = {}
    for org_id, day, campaign_id, network, *sums in history:
        for team, sign in [*((t, -1) for t in out_of), *((t, 1) for t in into)]:
            rows[(org_id, team, day, campaign_id, network)] = [sign * int(n or 0) for n in sums]
    _upsert(conn, rows)


def member_leaves(conn: sa.Connection, membership_id: int) -> None:
    """A membership is about to be deleted: its history leaves its teams (if it counted in them)."""
    teams = active_teams(conn, [membership_id]).get(membership_id, [])
    move_member(conn, membership_id=membership_id, out_of=teams, into=())


def forget_teams(conn: sa.Connection, team_ids: Collection[int]) -> None:
    conn.execute(sa.delete(TEAM_DAY).where(TEAM_DAY.c.team_id.in_(sorted(team_ids))))


def rebuild_days(conn: sa.Connection, *, org_id: int, first: date, last: date) -> None:
    """Sum the days `first`…`last` again from the cells (after the cells of those days were rebuilt)."""
    conn.execute(sa.delete(TEAM_DAY).where(TEAM_DAY.c.org_id == org_id, TEAM_DAY.c.day >= first,
                                           TEAM_DAY.c.day <= last))
    keys = (_CELL.c.org_id, membership_team.c.team_id, _CELL.c.day, _CELL.c.campaign_id, _CELL.c.network)
    conn.execute(sa.insert(TEAM_DAY).from_select(
        [*KEYS, *SUMS],
        sa.select(*keys, *(sa.func.sum(_CELL.c[name]) for name in SUMS))
        .join(Membership, Membership.id == _CELL.c.membership_id)
        .join(membership_team, membership_team.c.membership_id == _CELL.c.membership_id)
        .where(_CELL.c.org_id == org_id, _CELL.c.day >= first, _CELL.c.day <= last,
               Membership.status == MemberStatus.ACTIVE)
        .group_by(*keys)))
