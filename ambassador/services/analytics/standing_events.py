"""PostgreSQL: events added to the standings and their counts in one statement, the fan-out done by the database.

An event belongs to about 40 standings (each built window containing its day × campaign and "all" × network and
"all" × team 0 and each of the member's teams, or NO_TEAM). Built in Python, those rows and the standing-count
changes they make cost the recorder more than anything else it does for a published share (the rows, then the
driver turning them into arrays); here the events go out as arrays (8 per batch, whatever its size) and one
statement

1. joins them (each one member's additions to one built window: standing_queue.Addition) to the members
   (active only: kind and sort name), their windows (still built) and the member's teams, and sums them per
   standing (`fan`);
2. upserts those standings in one fixed order (scope, then member: the same in every writer, so two never
   wait on each other in a cycle), returning each one's totals after and whether it is new (`up`);
3. moves the standing counts: -1 member at each changed row's totals before (after minus the event's), +1 at its
   totals after, summed per count row, changes that cancel out left out, in key order.

What standing_additions._add() and standing_counts.moved() do in Python on SQLite, with the same result (the
property test in tests/services/analytics/test_rollups_property.py runs on both databases).
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ...infra import compiled
from ...models import NO_ID, NO_NETWORK, Membership, MemberStatus, Standing, StandingCount, StandingWindow, User
from ...models.organization import membership_team
from .boards import sort_name
from .standing_queue import TYPES

_STANDING = cast(sa.Table, Standing.__table__)
_COUNT = cast(sa.Table, StandingCount.__table__)
_WINDOW = cast(sa.Table, StandingWindow.__table__)
_KEY = ("org_id", "window", "campaign_id", "network", "team_id", "membership_id")
_SUMS = ("points", "shares", "clicks")
_EVENT = TYPES
NO_TEAM = -1  # the team scope of members in no team (standings.NO_TEAM)


def add(conn: sa.Connection, additions: Sequence) -> None:
    """standing_additions._add() on PostgreSQL: `additions` (standing_queue.Addition, merged) as arrays, one
    statement (the caller holds the share locks on the windows: standings.built_windows)."""
    compiled.execute(conn, _statement(),
                     {f"e_{name}": [row[i] for row in additions] for i, (name, _type) in enumerate(_EVENT)})


@functools.cache
def _statement() -> sa.Insert:
    """Built once (and so compiled once)."""
    events = (sa.func.unnest(*(sa.bindparam(f"e_{name}", type_=postgresql.ARRAY(type_)) for name, type_ in _EVENT))
              .table_valued(*(sa.column(name, type_) for name, type_ in _EVENT)).render_derived(name="ev"))
    ev = events.c
    # The four (campaign, network) scopes, n = 0…3: bit 1 by campaign, bit 0 by network (each "all" otherwise,
    # and a scope only when the event has one).
    choice = sa.func.generate_series(0, 3).table_valued(sa.column("n", sa.Integer)).render_derived(name="choice")
    by_campaign, by_network = choice.c.n >= 2, choice.c.n % 2 == 1
    campaign = sa.case((by_campaign, ev.campaign_id), else_=NO_ID)
    network = sa.case((by_network, ev.network), else_=NO_NETWORK)
    teams = sa.union_all(
        sa.select(sa.literal(0, sa.Integer).label("team_id")),
        sa.select(membership_team.c.team_id).where(membership_team.c.membership_id == ev.membership_id),
        sa.select(sa.literal(NO_TEAM, sa.Integer)).where(
            ~sa.exists().where(membership_team.c.membership_id == ev.membership_id).correlate_except(membership_team)),
    ).subquery().lateral("teams")
    in_window = sa.and_(_WINDOW.c.org_id == ev.org_id, _WINDOW.c.window == ev.window, _WINDOW.c.built_at.is_not(None))
    keys = (ev.org_id, _WINDOW.c.window, campaign, network, teams.c.team_id, ev.membership_id)
    fan = (sa.select(*(key.label(name) for key, name in zip(keys, _KEY, strict=True)),
                     Membership.kind.label("kind"), sort_name().label("sort_name"),
                     *(sa.func.sum(ev[name]).label(name) for name in _SUMS))
           .select_from(events)
           .join(Membership, sa.and_(Membership.id == ev.membership_id, Membership.status == MemberStatus.ACTIVE))
           .join(User, User.id == Membership.user_id)
           .join(_WINDOW, in_window)
           .join(choice, sa.and_(sa.or_(~by_campaign, ev.campaign_id != NO_ID),
                                 sa.or_(~by_network, ev.network != NO_NETWORK)))
           .join(teams, sa.true())
           .group_by(*keys, Membership.kind, User.name)).cte("fan")
    columns = [*_KEY, "kind", "sort_name", *_SUMS]
    insert = postgresql.insert(_STANDING).from_select(
        columns, sa.select(*(fan.c[name] for name in columns)).order_by(*(fan.c[name] for name in _KEY)))
    insert = insert.on_conflict_do_update(index_elements=list(_KEY),
                                          set_={name: _STANDING.c[name] + insert.excluded[name] for name in _SUMS})
    up = insert.returning(*(_STANDING.c[name] for name in (*_KEY, "kind", *_SUMS)),
                          sa.literal_column("xmax = 0", sa.Boolean).label("inserted")).cte("up")
    changed = sa.select(up, *(fan.c[name].label(f"d_{name}") for name in _SUMS)).join(
        fan, sa.and_(*(fan.c[name] == up.c[name] for name in _KEY))).cte("changed")
    scope = [changed.c[name] for name in ("org_id", "window", "campaign_id", "network", "team_id")]

    def side(sign: int, *, before: bool) -> sa.Select:
        def total(name: str) -> sa.ColumnElement:
            return changed.c[name] - changed.c[f"d_{name}"] if before else changed.c[name]
        query = sa.select(*scope, total("points").label("points"), changed.c.kind,
                          sa.literal(sign, sa.Integer).label("members"), (sign * total("shares")).label("shares"),
                          (sign * total("clicks")).label("clicks"),
                          sa.case((total("shares") > 0, sign), else_=0).label("sharers"))
        return query.where(~changed.c.inserted) if before else query

    moves = sa.union_all(side(-1, before=True), side(1, before=False)).subquery("moves")
    count_keys = [moves.c[name] for name in ("org_id", "window", "campaign_id", "network", "team_id", "points",
                                             "kind")]
    sums = [sa.func.sum(moves.c[name]) for name in ("members", "shares", "clicks", "sharers")]
    counts = (sa.select(*count_keys, *sums).group_by(*count_keys)
              .having(sa.or_(*(total != 0 for total in sums))).order_by(*count_keys))
    count_columns = ["org_id", "window", "campaign_id", "network", "team_id", "points", "kind",
                     "members", "shares", "clicks", "sharers"]
    stmt = postgresql.insert(_COUNT).from_select(count_columns, counts)
    return stmt.on_conflict_do_update(
        index_elements=count_columns[:7],
        set_={name: _COUNT.c[name] + stmt.excluded[name] for name in count_columns[7:]})
