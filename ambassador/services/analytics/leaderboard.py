"""Leaderboards derived from the points ledger, shares and counted clicks.

* Who is ranked: every *active* member of the organization (any role); deactivated
  members drop off the board while their ledger rows stay.
* Ranks are competition ranks ("1, 2, 2, 4"): equal points, equal rank. Within a rank,
  rows are listed by name.
* Windows are whole org-local days (see services/analytics/periods.py); points, shares and clicks
  are counted inside the same window.
* A share counts when it left the platform: intent shares ("shared") and API shares
  that were "published". Its moment is `published_at` for API shares, else `created_at`
  (the same moment the points ledger uses).
* All of it is one SQL query (GROUP BY subqueries + window functions): the top N rows
  and, when asked for, the viewer's own row even when it lies outside the top N.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from ...extensions import db
from ...models import (
    KINDS,
    Click,
    Membership,
    MemberStatus,
    PointsEntry,
    Share,
    Team,
    TrackedLink,
    User,
)
from ...models.organization import membership_team
from ...models.points import SPENDING_REASONS
from ...models.sharing import COUNTED_SHARE_STATUSES, share_moment
from .exports import Table, query_rows, safe_cell
from .periods import Window

_TEAM_SEPARATOR = "\x1f"  # joins team names inside SQL; never typed by people


@dataclass(frozen=True)
class BoardRow:
    membership_id: int
    rank: int
    position: int
    name: str
    kind: str
    teams: list[str]
    points: int
    shares: int
    clicks: int


@dataclass
class Board:
    rows: list[BoardRow] = field(default_factory=list)  # the top N
    me: BoardRow | None = None  # the viewer, when ranked (inside or outside the top N)
    total: int = 0  # how many members are ranked

    @property
    def me_outside_top(self) -> bool:
        return self.me is not None and all(row.membership_id != self.me.membership_id for row in self.rows)


def counted_shares(org_id: int, window: Window) -> list:
    """Conditions selecting the organization's counted shares inside `window`."""
    return [Share.org_id == org_id, Share.status.in_(COUNTED_SHARE_STATUSES), *window.contains(share_moment())]


def counted_clicks(org_id: int, window: Window) -> list:
    """Conditions for clicks (joined to their TrackedLink) of the organization inside `window`."""
    return [Click.org_id == org_id, TrackedLink.org_id == org_id, *window.contains(Click.created_at)]


def org_teams(*, org_id: int) -> list[Team]:
    return list(db.session.scalars(sa.select(Team).where(Team.org_id == org_id).order_by(Team.name)))


def clean_kind(kind: str | None) -> str | None:
    return kind if kind in KINDS else None


def _ranked(*, org_id: int, window: Window, team_id: int | None, kind: str | None):
    """Subquery: one row per ranked member with points, shares, clicks, rank and list position."""
    points = (sa.select(PointsEntry.membership_id.label("mid"), sa.func.sum(PointsEntry.points).label("n"))
              .where(PointsEntry.org_id == org_id, PointsEntry.reason.notin_(SPENDING_REASONS),
                     *window.contains(PointsEntry.created_at))
              .group_by(PointsEntry.membership_id).subquery())
    shares = (sa.select(Share.membership_id.label("mid"), sa.func.count(Share.id).label("n"))
              .where(*counted_shares(org_id, window)).group_by(Share.membership_id).subquery())
    clicks = (sa.select(TrackedLink.membership_id.label("mid"), sa.func.count(Click.id).label("n"))
              .join(TrackedLink, TrackedLink.id == Click.tracked_link_id)
              .where(*counted_clicks(org_id, window)).group_by(TrackedLink.membership_id).subquery())
    teams = (sa.select(sa.func.aggregate_strings(Team.name, _TEAM_SEPARATOR))
             .join(membership_team, membership_team.c.team_id == Team.id)
             .where(membership_team.c.membership_id == Membership.id, Team.org_id == org_id)
             .correlate(Membership).scalar_subquery())
    total_points = sa.func.coalesce(points.c.n, 0)
    query = (
        sa.select(
            Membership.id.label("membership_id"), User.name.label("name"), User.email.label("email"),
            Membership.kind.label("kind"), teams.label("teams"), total_points.label("points"),
            sa.func.coalesce(shares.c.n, 0).label("shares"), sa.func.coalesce(clicks.c.n, 0).label("clicks"),
            sa.func.rank().over(order_by=total_points.desc()).label("rank"),
            sa.func.row_number().over(
                order_by=(total_points.desc(), sa.func.lower(User.name), Membership.id)).label("position"),
            sa.func.count().over().label("total"),
        )
        .join(User, User.id == Membership.user_id)
        .outerjoin(points, points.c.mid == Membership.id)
        .outerjoin(shares, shares.c.mid == Membership.id)
        .outerjoin(clicks, clicks.c.mid == Membership.id)
        .where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE)
    )
    if kind:
        query = query.where(Membership.kind == kind)
    if team_id is not None:
        in_team = (sa.select(membership_team.c.membership_id)
                   .join(Team, Team.id == membership_team.c.team_id)
                   .where(Team.id == team_id, Team.org_id == org_id))
        query = query.where(Membership.id.in_(in_team))
    return query.subquery()


def _row(raw) -> BoardRow:
    teams = sorted(raw.teams.split(_TEAM_SEPARATOR), key=str.lower) if raw.teams else []
    return BoardRow(membership_id=raw.membership_id, rank=int(raw.rank), position=int(raw.position),
                    name=raw.name or raw.email.split("@")[0], kind=raw.kind, teams=teams,
                    points=int(raw.points), shares=int(raw.shares), clicks=int(raw.clicks))


def board(*, org_id: int, window: Window, team_id: int | None = None, kind: str | None = None,
          limit: int | None = 20, me_id: int | None = None) -> Board:
    """The ranked board: the top `limit` rows (all when None) plus the row of member `me_id`."""
    ranked = _ranked(org_id=org_id, window=window, team_id=team_id, kind=clean_kind(kind))
    query = sa.select(ranked).order_by(ranked.c.position)
    if limit is not None:
        keep = ranked.c.position <= limit
        if me_id is not None:
            keep = sa.or_(keep, ranked.c.membership_id == me_id)
        query = query.where(keep)
    result = Board()
    for raw in db.session.execute(query):
        row = _row(raw)
        result.total = int(raw.total)
        if row.membership_id == me_id:
            result.me = row
        if limit is None or row.position <= limit:
            result.rows.append(row)
    return result


def _csv_safe(value) -> str:
    """Neutralise spreadsheet formulas in people-supplied text (CSV injection)."""
    return safe_cell(str(value))


CSV_HEADER = ("rank", "name", "teams", "kind", "points", "shares", "clicks")


def _csv_row(row: BoardRow) -> list:
    return [row.rank, _csv_safe(row.name), _csv_safe("; ".join(row.teams)), row.kind, row.points, row.shares,
            row.clicks]


def board_rows(*, org_id: int, window: Window, team_id: int | None = None, kind: str | None = None,
               min_points: int | None = None) -> Iterator[BoardRow]:
    """Every ranked member in board order, read from the database in batches (for exports of any size)."""
    ranked = _ranked(org_id=org_id, window=window, team_id=team_id, kind=kind)
    query = sa.select(ranked).order_by(ranked.c.position)
    if min_points is not None:
        query = query.where(ranked.c.points >= min_points)
    yield from query_rows(query, convert=_row)


def board_table(*, name: str, rows: Iterable[BoardRow]) -> Table:
    """A board as an export table (services/analytics/exports.py), the same columns as the CSV."""
    return Table(name=name, header=CSV_HEADER, rows=(_csv_row(row) for row in rows))


def board_csv(result: Board) -> str:
    """The board as CSV text (UTF-8 with a BOM so spreadsheet programs read accents right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in result.rows:
        writer.writerow(_csv_row(row))
    return "\ufeff" + out.getvalue()
