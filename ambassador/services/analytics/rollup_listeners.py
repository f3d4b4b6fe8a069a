"""How the rollups see events written through the ORM (services/analytics/rollups.py says what they hold and
why they follow events in the event's own transaction): session listeners, installed once by the app factory.

* rows written through the session (points awards, shares, status changes) — `after_flush` turns each inserted
  PointsEntry / Click, each Share that starts counting and each counted Share that stops counting or moves day
  into deltas; member status, kind, team and name changes refresh that member's standings, and status and team
  changes move its history between the team totals;
* ledger entries bulk-inserted through the ORM (`points.award_clicks`) — `do_orm_execute`;
* a deleted membership's cells leave the post-day and team totals, then go with its standings; a deleted team's
  standings and totals go, and its members left in no team join the "no team" scope — `before_flush` /
  `after_flush`.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.session import Session as AppSession
from sqlalchemy.orm import ORMExecuteState, Session

from ...infra.upsert import upsert
from ...models import (
    Campaign,
    Click,
    Membership,
    MemberStatus,
    Organization,
    PointsEntry,
    Post,
    Share,
    Team,
    User,
)
from ...models.organization import membership_team
from ...models.sharing import COUNTED_SHARE_STATUSES
from . import stamps, standings, team_rollups
from .rollups import (
    CELL,
    POST_DAY,
    SUMS,
    ClickRow,
    PointsRow,
    ShareChange,
    ShareState,
    apply,
    click_deltas,
    lock_members,
    points_deltas,
    points_written,
    share_deltas,
)

# --- the session listener ------------------------------------------------------------------------


def _state(status: Any, published_at: Any, created_at: Any) -> ShareState:
    return ShareState(status in COUNTED_SHARE_STATUSES, published_at or created_at)


def _before(share: Share) -> ShareState:
    attrs = sa.inspect(share).attrs

    def old(name: str) -> Any:
        history = getattr(attrs, name).history
        return history.deleted[0] if history.deleted else getattr(share, name)

    return _state(old("status"), old("published_at"), old("created_at"))


def _member_changed(member: Membership) -> bool:
    attrs = sa.inspect(member).attrs
    return any(getattr(attrs, name).history.has_changes() for name in ("status", "kind", "teams"))


def _ranks_changed(member: Membership) -> bool:
    attrs = sa.inspect(member).attrs
    return _member_changed(member) or attrs.role.history.has_changes()


def _mark(session: Session) -> None:
    """Members, teams, posts and campaigns written (names and titles shown with the figures), people renamed or
    given another email (a board shows the email's name when there is no name): their organizations' stamps move
    on at commit (services/analytics/stamps.py). Members added, removed or given another status, kind, role or
    teams, teams added, renamed or removed, people renamed or given another email: their members stamps too (who
    a board ranks, and the names it lists members at 0 points by: board_standings.first_named)."""
    members = {obj.org_id for group in (session.new, session.deleted) for obj in group
               if isinstance(obj, Membership | Team)}
    members.update(obj.org_id for obj in session.dirty
                   if isinstance(obj, Team) and sa.inspect(obj).attrs.name.history.has_changes())
    members.update(obj.org_id for obj in session.dirty if isinstance(obj, Membership) and _ranks_changed(obj))
    orgs = {obj.org_id for group in (session.new, session.dirty, session.deleted) for obj in group
            if isinstance(obj, Membership | Team | Post | Campaign)}
    orgs.update(obj.id for obj in session.new if isinstance(obj, Organization))  # its first stamp
    people = [obj.id for obj in session.dirty if isinstance(obj, User)
              and any(getattr(sa.inspect(obj).attrs, name).history.has_changes() for name in ("name", "email"))]
    if people:
        members.update(session.connection().execute(
            sa.select(Membership.org_id).where(Membership.user_id.in_(sorted(people)))).scalars())
    if members:
        stamps.members_changed(members, session)
    if orgs:
        stamps.changed(orgs, session)


def _after_flush(session: Session, _context: Any) -> None:
    orphaned = session.info.pop("rollups_team_members", None)
    if orphaned:  # members of a deleted team: those left in no team join the "no team" scope
        conn = session.connection()
        still = set(conn.execute(sa.select(membership_team.c.membership_id)
                                 .where(membership_team.c.membership_id.in_(sorted(orphaned)))).scalars())
        if orphaned - still:
            standings.left_without_team(conn, membership_ids=sorted(orphaned - still))
    _mark(session)
    points: list[PointsRow] = []
    clicks: list[ClickRow] = []
    shares: list[ShareChange] = []
    members: list[Membership] = []
    renamed: list[int] = []
    for obj in session.new:
        if isinstance(obj, PointsEntry):
            points.append(PointsRow(obj.org_id, obj.membership_id, obj.points, obj.reason, obj.share_id,
                                    obj.click_id, obj.day))
        elif isinstance(obj, Click):
            clicks.append(ClickRow(obj.org_id, obj.tracked_link_id, obj.created_at))
        elif isinstance(obj, Share):
            shares.append((obj, None, _state(obj.status, obj.published_at, obj.created_at)))
    for obj in session.dirty:
        if isinstance(obj, Share):
            shares.append((obj, _before(obj), _state(obj.status, obj.published_at, obj.created_at)))
        elif isinstance(obj, Membership) and _member_changed(obj):
            members.append(obj)
        elif isinstance(obj, User) and sa.inspect(obj).attrs.name.history.has_changes():
            renamed.append(obj.id)
    if not (points or clicks or shares or members or renamed):
        return
    conn = session.connection()
    if renamed:
        standings.rename(conn, user_ids=renamed)
    deltas = [*points_deltas(conn, points), *click_deltas(conn, clicks), *share_deltas(conn, shares)]
    if members:  # rebuilt below under their locks: every member of this flush locked at once, in id order
        lock_members(conn, {d.membership_id for d in deltas} | {member.id for member in members})
        for member in members:  # before the deltas: their history moves without this flush's events
            _move_teams(conn, member)
    apply(deltas, conn=conn)
    for member in members:
        standings.refresh_member(conn, org_id=member.org_id, membership_id=member.id)


def _move_teams(conn: sa.Connection, member: Membership) -> None:
    """The member's history leaves the teams it counted in before this flush and joins those it counts in now
    (services/analytics/team_rollups.py): only an active member counts in its teams."""
    attrs = sa.inspect(member).attrs
    status, teams = attrs.status.history, attrs.teams.history
    was_active = (status.deleted[0] if status.deleted else member.status) == MemberStatus.ACTIVE
    now = set(conn.execute(sa.select(membership_team.c.team_id)
                           .where(membership_team.c.membership_id == member.id)).scalars())
    before = (now - {t.id for t in teams.added}) | {t.id for t in teams.deleted}
    team_rollups.move_member(conn, membership_id=member.id, out_of=before if was_active else (),
                             into=now if member.status == MemberStatus.ACTIVE else ())


def _member_leaves(conn: sa.Connection, membership_id: int) -> None:
    """A membership is deleted (its ledger goes by cascade): take its cells out of the post-day totals, then
    delete its cells and standings."""
    rows = conn.execute(sa.select(CELL.c.org_id, CELL.c.day, CELL.c.post_id, CELL.c.network, CELL.c.campaign_id,
                                  *(-CELL.c[name] for name in SUMS)).where(CELL.c.membership_id == membership_id))
    upsert(conn, POST_DAY, [{"org_id": r[0], "day": r[1], "post_id": r[2], "network": r[3], "campaign_id": r[4],
                             **dict(zip(SUMS, r[5:], strict=True)), "reach": None} for r in rows],
           keys=("org_id", "day", "post_id", "network"), adds=SUMS, nullable_adds=("reach",))
    team_rollups.member_leaves(conn, membership_id)
    conn.execute(sa.delete(CELL).where(CELL.c.membership_id == membership_id))
    standings.forget_member(conn, membership_id)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    leaving = [obj.id for obj in session.deleted if isinstance(obj, Membership)]
    teams = [obj.id for obj in session.deleted if isinstance(obj, Team)]
    if not (leaving or teams):
        return
    conn = session.connection()
    for membership_id in leaving:
        _member_leaves(conn, membership_id)
    if teams:
        standings.forget_teams(conn, teams)
        team_rollups.forget_teams(conn, teams)
        session.info.setdefault("rollups_team_members", set()).update(conn.execute(
            sa.select(membership_team.c.membership_id).where(membership_team.c.team_id.in_(teams))).scalars())


def _on_execute(state: ORMExecuteState) -> Any:
    """Ledger entries bulk-inserted through the ORM (`sa.insert(PointsEntry)` with a list of rows)."""
    if not (state.is_insert and state.bind_mapper is not None and state.bind_mapper.class_ is PointsEntry):
        return None
    params: Any = state.parameters
    rows: list[Any] = params if isinstance(params, list) else [params] if params else []
    result = state.invoke_statement()
    points_written([PointsRow(r["org_id"], r["membership_id"], r["points"], r["reason"], r.get("share_id"),
                              r.get("click_id"), r["day"]) for r in rows])
    return result


def install() -> None:
    """Listen to every Flask-SQLAlchemy session (the class: a scoped session made later is covered too)."""
    if not sa.event.contains(AppSession, "after_flush", _after_flush):
        sa.event.listen(AppSession, "after_flush", _after_flush)
        sa.event.listen(AppSession, "before_flush", _before_flush)
        sa.event.listen(AppSession, "do_orm_execute", _on_execute)
    stamps.install()

