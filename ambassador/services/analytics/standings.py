"""Standings: each active member's points, shares and counted clicks per window and scope, kept up to date.

A window is one of WINDOWS ("all", the last 7/30/90 days, this quarter) or the period of equal length
just before it ("7p", "30p", "90p", "quarterp": for movement). A scope is (campaign, network, team),
each also "all" (NO_ID / NO_NETWORK / team 0). `standing_window` records the org-local days each
window covers; a board whose days match a built window reads the standings (an index range on
(scope, points)), anything else (a custom range, a window the worker has not rolled yet) is summed
from the rollup cells.

Kept up to date:
* events: `standing_additions.add()` (called by rollups.apply in the event's transaction) adds to every built window
  whose days contain the event's day, for every scope the event belongs to — except the shares the publishing
  worker records, whose additions it queues and adds within 2 seconds (standing_additions.py, standing_queue.py);
* days leaving or joining a rolling window: `roll()` (the worker's `roll_standings` job, every few
  minutes) rebuilds a window from the cells when its days changed (the org-local date moved on);
* a member deactivated, reactivated, or whose kind or teams changed: `refresh_member()`.
Every change to the standings also changes the standing counts (members per points total, what ranks are
summed from: services/analytics/standing_counts.py) in the same transaction. Only active members have standings.
On PostgreSQL an event takes a share lock on the window rows it adds to and a rebuild an exclusive one, so a
rebuild never loses an increment made while it ran.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ...infra import compiled
from ...infra.upsert import upsert
from ...models import (
    NO_ID,
    NO_NETWORK,
    Membership,
    MemberStatus,
    Organization,
    RollupCell,
    Standing,
    StandingWindow,
    User,
    utcnow,
)
from ...models.organization import membership_team
from . import stamps, standing_counts, standing_events, standing_queue
from .boards import sort_name

WINDOWS = ("all", "7", "30", "90", "quarter")
PREVIOUS = {"7": "7p", "30": "30p", "90": "90p", "quarter": "quarterp"}
ALL_WINDOWS = WINDOWS + tuple(PREVIOUS.values())
_STANDING = cast(sa.Table, Standing.__table__)
_WINDOW = cast(sa.Table, StandingWindow.__table__)
_SUMS = ("points", "shares", "clicks")


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def window_days(key: str, today: date) -> tuple[date | None, date | None]:
    """The org-local days window `key` covers on `today` ((None, None) for all time)."""
    if key == "all":
        return None, None
    current = key.removesuffix("p")
    first = quarter_start(today) if current == "quarter" else today - timedelta(days=int(current) - 1)
    if key == current:
        return first, today
    length = (today - first).days + 1
    return first - timedelta(days=length), first - timedelta(days=1)


# Team scopes: 0 = every member; NO_TEAM = members in no team (the overview's "no team" slice), one row each.
NO_TEAM = standing_events.NO_TEAM


def built_windows(conn: sa.Connection, org_ids: set[int], *, lock: bool) -> list[sa.Row]:
    """The organizations' built windows, by key; `lock`: with the share locks events take (PostgreSQL)."""
    query = (sa.select(_WINDOW.c.org_id, _WINDOW.c.window, _WINDOW.c.first_day, _WINDOW.c.last_day)
             .where(_WINDOW.c.org_id.in_(sorted(org_ids)), _WINDOW.c.built_at.is_not(None))
             .order_by(_WINDOW.c.org_id, _WINDOW.c.window))
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    return list(conn.execute(query))


def _insert_from_cells(conn: sa.Connection, *, org_id: int, key: str, first: date | None, last: date | None,
                       membership_id: int | None = None) -> None:
    """Sum the window's cells into standings: every (campaign, network) scope, each also "all", for all teams
    (team 0); then copy those rows to each of the member's teams."""
    cell = RollupCell
    where = [cell.org_id == org_id, Membership.status == MemberStatus.ACTIVE]
    if first is not None and last is not None:
        where += [cell.day >= first, cell.day <= last]
    if membership_id is not None:
        where.append(cell.membership_id == membership_id)
    columns = ["org_id", "window", "campaign_id", "network", "team_id", "membership_id", "kind", "sort_name", *_SUMS]
    for by_campaign in (False, True):
        for by_network in (False, True):
            campaign = cell.campaign_id if by_campaign else sa.literal(NO_ID)
            network = cell.network if by_network else sa.literal(NO_NETWORK, sa.String)
            query = (sa.select(sa.literal(org_id), sa.literal(key, sa.String), campaign, network, sa.literal(0),
                               cell.membership_id, Membership.kind, sort_name(), sa.func.sum(cell.points),
                               sa.func.sum(cell.shares), sa.func.sum(cell.clicks))
                     .join(Membership, Membership.id == cell.membership_id)
                     .join(User, User.id == Membership.user_id).where(*where)
                     .group_by(cell.membership_id, Membership.kind, User.name))
            if by_campaign or by_network:
                # Cells of a post (the only ones with a campaign and a network): a range of the campaign index.
                query = query.where(cell.campaign_id > NO_ID)
            if by_campaign:
                query = query.group_by(cell.campaign_id)
            if by_network:
                query = query.group_by(cell.network)
            # In key order (the member first): each insert walks the key's index once instead of at random.
            conn.execute(sa.insert(_STANDING).from_select(columns, query.order_by(cell.membership_id)))
    everyone = [_STANDING.c.org_id == org_id, _STANDING.c.window == key, _STANDING.c.team_id == 0]
    if membership_id is not None:
        everyone.append(_STANDING.c.membership_id == membership_id)
    per_team = (sa.select(*(membership_team.c.team_id if name == "team_id" else _STANDING.c[name] for name in columns))
                .join(membership_team, membership_team.c.membership_id == _STANDING.c.membership_id)
                .where(*everyone).order_by(_STANDING.c.membership_id))
    conn.execute(sa.insert(_STANDING).from_select(columns, per_team))
    _copy_to_no_team(conn, columns, everyone)


def _copy_to_no_team(conn: sa.Connection, columns: list[str], everyone: list) -> None:
    """The every-member rows of members in no team, copied to the NO_TEAM scope."""
    teamless = ~sa.exists().where(membership_team.c.membership_id == _STANDING.c.membership_id)
    conn.execute(sa.insert(_STANDING).from_select(columns, sa.select(
        *(sa.literal(NO_TEAM) if name == "team_id" else _STANDING.c[name] for name in columns))
        .where(*everyone, teamless).order_by(_STANDING.c.membership_id)))


def left_without_team(conn: sa.Connection, *, membership_ids: Sequence[int]) -> None:
    """Members whose last team was deleted: their rows join the NO_TEAM scope."""
    columns = ["org_id", "window", "campaign_id", "network", "team_id", "membership_id", "kind", "sort_name", *_SUMS]
    teamless = [_STANDING.c.team_id == NO_TEAM, _STANDING.c.membership_id.in_(sorted(membership_ids))]
    standing_counts.recount(conn, teamless, sign=-1)
    conn.execute(sa.delete(_STANDING).where(*teamless))
    _copy_to_no_team(conn, columns, [_STANDING.c.team_id == 0, _STANDING.c.membership_id.in_(sorted(membership_ids))])
    standing_counts.recount(conn, teamless, sign=1)


def build_window(conn: sa.Connection, *, org_id: int, key: str, first: date | None, last: date | None) -> None:
    """(Re)build one window of one organization from the cells (the caller commits)."""
    stamps.changed({org_id})
    # Claim the window row first: on PostgreSQL this waits for events adding to it and holds them off.
    upsert(conn, _WINDOW, [{"org_id": org_id, "window": key, "first_day": first, "last_day": last,
                            "built_at": utcnow(), "asked_at": utcnow()}],
           keys=("org_id", "window"), adds=(), sets=("first_day", "last_day", "built_at"))
    standing_queue.drop_window(conn, org_id=org_id, key=key)  # the cells hold what it would add
    conn.execute(sa.delete(_STANDING).where(_STANDING.c.org_id == org_id, _STANDING.c.window == key))
    _insert_from_cells(conn, org_id=org_id, key=key, first=first, last=last)
    standing_counts.rebuild_window(conn, org_id=org_id, key=key)


def forget_member(conn: sa.Connection, membership_id: int) -> None:
    standing_counts.recount(conn, [_STANDING.c.membership_id == membership_id], sign=-1)
    conn.execute(sa.delete(_STANDING).where(_STANDING.c.membership_id == membership_id))


def refresh_member(conn: sa.Connection, *, org_id: int, membership_id: int) -> None:
    """Rebuild one member's standings in every built window (after a status, kind or team change)."""
    stamps.changed({org_id})
    if conn.dialect.name == "postgresql":  # no recorder queues for the member until this commits (points.lock_members)
        conn.execute(sa.select(Membership.id).where(Membership.id == membership_id).with_for_update(key_share=True))
    standing_queue.drop_member(conn, membership_id)  # the cells hold what its queued rows would add
    forget_member(conn, membership_id)
    for w in built_windows(conn, {org_id}, lock=True):
        _insert_from_cells(conn, org_id=org_id, key=w.window, first=w.first_day, last=w.last_day,
                           membership_id=membership_id)
    standing_counts.recount(conn, [_STANDING.c.membership_id == membership_id], sign=1)


def stale_windows(conn: sa.Connection, *, org_id: int, today: date) -> list[tuple[str, date | None, date | None]]:
    """The kept windows whose days are not today's (or that were never built)."""
    built = {w.window: (w.first_day, w.last_day) for w in built_windows(conn, {org_id}, lock=False)}
    wanted = {key: window_days(key, today) for key in ALL_WINDOWS}
    return [(key, *days) for key, days in wanted.items() if key not in built or built[key] != days]


# Custom ranges: built by the worker once someone asks for one, kept up to date like the others while asked for
# again within CUSTOM_KEPT, at most CUSTOM_MAX per organization (the least recently asked for go first).
CUSTOM_KEPT = timedelta(days=7)
CUSTOM_MAX = 12


def custom_key(first: date, last: date) -> str:
    return f"d:{first.isoformat()}:{last.isoformat()}"


def ask(conn: sa.Connection, *, org_id: int, first: date, last: date) -> None:
    """Someone looks at these days and no window holds them: the worker's next roll builds one."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(insert(_WINDOW).values(org_id=org_id, window=custom_key(first, last), first_day=first,
                                        last_day=last, built_at=None, asked_at=utcnow())
                 .on_conflict_do_nothing(index_elements=["org_id", "window"]))


def touch(conn: sa.Connection, *, org_id: int, key: str) -> None:
    """Someone looks at a custom window again: keep it (written at most once an hour)."""
    now = utcnow()
    conn.execute(sa.update(_WINDOW).where(_WINDOW.c.org_id == org_id, _WINDOW.c.window == key,
                                          _WINDOW.c.asked_at < now - timedelta(hours=1)).values(asked_at=now))


def forget_custom(conn: sa.Connection, *, org_id: int) -> None:
    """Drop every custom window (after a rebuild of the cells: they are asked for again when looked at)."""
    stamps.changed({org_id})
    custom = [_STANDING.c.org_id == org_id, _STANDING.c.window.like("d:%")]
    conn.execute(sa.delete(_STANDING).where(*custom))
    standing_counts.forget(conn, org_id=org_id, window_like="d:%")
    conn.execute(sa.delete(_WINDOW).where(_WINDOW.c.org_id == org_id, _WINDOW.c.window.like("d:%")))


def _custom(conn: sa.Connection, *, org_id: int, limit: int | None = None) -> int:
    """Build the custom windows asked for (at most `limit`: the last asked for first, so a range before the period
    before it), drop those nobody asked for lately (and the oldest beyond the cap)."""
    rows = list(conn.execute(sa.select(_WINDOW.c.window, _WINDOW.c.first_day, _WINDOW.c.last_day, _WINDOW.c.built_at,
                                       _WINDOW.c.asked_at)
                             .where(_WINDOW.c.org_id == org_id, _WINDOW.c.window.like("d:%"))
                             .order_by(_WINDOW.c.asked_at.desc(), _WINDOW.c.last_day.desc())))
    drop = [r.window for i, r in enumerate(rows) if i >= CUSTOM_MAX or r.asked_at < utcnow() - CUSTOM_KEPT]
    if drop:
        stamps.changed({org_id})
        conn.execute(sa.delete(_STANDING).where(_STANDING.c.org_id == org_id, _STANDING.c.window.in_(drop)))
        standing_counts.forget(conn, org_id=org_id, windows=drop)
        conn.execute(sa.delete(_WINDOW).where(_WINDOW.c.org_id == org_id, _WINDOW.c.window.in_(drop)))
    built = 0
    for r in rows:
        if r.window not in drop and r.built_at is None and (limit is None or built < limit):
            build_window(conn, org_id=org_id, key=r.window, first=r.first_day, last=r.last_day)
            built += 1
    return built


def lock_windows(conn: sa.Connection, *, org_id: int) -> None:
    """PostgreSQL, before rebuilding windows: one rebuild per organization at a time (its organization row,
    FOR NO KEY UPDATE, which inserts referring to it do not wait for), then every window row of it
    exclusively, in the order events take their share locks (`built_windows`: by window key). Without, two
    workers' roll_standings and the events between them deadlocked (tests/test_several_machines.py)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(Organization.id).where(Organization.id == org_id).with_for_update(key_share=True))
        conn.execute(sa.select(_WINDOW.c.window).where(_WINDOW.c.org_id == org_id)
                     .order_by(_WINDOW.c.org_id, _WINDOW.c.window).with_for_update())


def asked_org_ids(conn: sa.Connection) -> list[int]:
    """Organizations with a custom range asked for and not built yet (one statement over the windows table: a
    few dozen rows per organization)."""
    return list(conn.execute(sa.select(_WINDOW.c.org_id).where(_WINDOW.c.built_at.is_(None))
                             .distinct().order_by(_WINDOW.c.org_id)).scalars())


def _custom_due(conn: sa.Connection, *, org_id: int) -> bool:
    """A custom range to build, one nobody asked for lately, or more than CUSTOM_MAX of them."""
    rows = conn.execute(sa.select(_WINDOW.c.built_at, _WINDOW.c.asked_at)
                        .where(_WINDOW.c.org_id == org_id, _WINDOW.c.window.like("d:%"))).all()
    return len(rows) > CUSTOM_MAX or any(r.built_at is None or r.asked_at < utcnow() - CUSTOM_KEPT for r in rows)


def roll(conn: sa.Connection, *, org_id: int, today: date, custom_limit: int | None = None) -> int:
    """Rebuild the windows whose days moved on and build the custom ranges asked for (at most `custom_limit` of
    them, the last asked for first); returns how many."""
    if not stale_windows(conn, org_id=org_id, today=today) and not _custom_due(conn, org_id=org_id):
        return 0  # the usual case: nothing to lock
    lock_windows(conn, org_id=org_id)
    stale = stale_windows(conn, org_id=org_id, today=today)
    for key, first, last in stale:
        build_window(conn, org_id=org_id, key=key, first=first, last=last)
    return len(stale) + _custom(conn, org_id=org_id, limit=custom_limit)


def key_for(conn: sa.Connection, *, org_id: int, first: date | None, last: date | None) -> str | None:
    """The built window covering exactly these days, if any."""
    condition: sa.ColumnElement[bool] = _WINDOW.c.first_day.is_(None)
    if first is not None:
        condition = sa.and_(_WINDOW.c.first_day == first, _WINDOW.c.last_day == last)
    return conn.execute(sa.select(_WINDOW.c.window).where(_WINDOW.c.org_id == org_id, condition,
                                                          _WINDOW.c.built_at.is_not(None))
                        .order_by(_WINDOW.c.window).limit(1)).scalar()


def keys_for(conn: sa.Connection, *, org_id: int,
             spans: Sequence[tuple[date | None, date | None]]) -> list[str | None]:
    """key_for() of several spans of days in one statement (the organization's built windows, a few dozen),
    which also reads the organization's stamps for the session (`stamps.seen()`: a board is computed from what
    this read and the statements after it see)."""
    rows = compiled.execute(conn, _built_statement(), {"org_id": org_id}).all()
    stamps.saw(org_id, rows[0].stamp, rows[0].members_stamp)
    built = [row for row in rows if row.window is not None]

    def covers(w: sa.Row, first: date | None, last: date | None) -> bool:
        return w.first_day is None if first is None else (w.first_day, w.last_day) == (first, last)

    return [next((w.window for w in built if covers(w, first, last)), None) for first, last in spans]


@functools.cache
def _built_statement() -> sa.Select:
    """The stamps and the built windows (a row of NULLs when there are none); compiled once."""
    org_id = sa.bindparam("org_id", type_=sa.Integer)
    one = sa.select(sa.literal(1).label("one")).subquery()
    return (sa.select(stamps.column(org_id).label("stamp"), stamps.members_column(org_id).label("members_stamp"),
                      _WINDOW.c.window, _WINDOW.c.first_day, _WINDOW.c.last_day).select_from(one)
            .outerjoin(_WINDOW, sa.and_(_WINDOW.c.org_id == org_id, _WINDOW.c.built_at.is_not(None)))
            .order_by(_WINDOW.c.window))


def forget_teams(conn: sa.Connection, team_ids: Sequence[int]) -> None:
    """Teams being deleted: their standings go."""
    conn.execute(sa.delete(_STANDING).where(_STANDING.c.team_id.in_(sorted(team_ids))))
    standing_counts.forget(conn, team_ids=sorted(team_ids))


def rename(conn: sa.Connection, *, user_ids: Sequence[int]) -> None:
    """People renamed: their standings list them by the new name."""
    conn.execute(sa.update(_STANDING).where(_STANDING.c.membership_id.in_(
        sa.select(Membership.id).where(Membership.user_id.in_(sorted(user_ids)))))
        .values(sort_name=sa.select(sort_name()).join(Membership, Membership.user_id == User.id)
                .where(Membership.id == _STANDING.c.membership_id).scalar_subquery()))
