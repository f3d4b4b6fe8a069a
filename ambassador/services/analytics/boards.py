"""What a leaderboard is made of: its scope, its rows, the board (shared by both ways of reading it).

Ranking rules (both readers, services/analytics/board_standings.py and board_cells.py, follow them):
* who is ranked: every *active* member of the organization (any role) matching the kind and team
  filters; deactivated members drop off while their ledger rows stay;
* what counts: points (earned, spending left out), counted shares and counted clicks in the window,
  inside the campaign and network when the board is narrowed to one (points that do not come from a
  share or click — ideas, votes, adjustments — only count on boards of every campaign and network);
* competition ranks ("1, 2, 2, 4") by points; equal points are listed by name, then member id;
* movement: the rank in the period of equal length just before, for members whose points, shares or
  clicks in it (same scope) were not all 0 (else the row is marked new).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ...extensions import db
from ...models import ERASED_EMAIL_DOMAIN, KINDS, NO_ID, NO_NETWORK, Team, User, erased_label
from ...models.organization import membership_team


@dataclass(frozen=True)
class Scope:
    team_id: int | None = None
    kind: str | None = None
    campaign_id: int | None = None
    network: str | None = None

    @property
    def campaign_key(self) -> int:
        return self.campaign_id if self.campaign_id is not None else NO_ID

    @property
    def network_key(self) -> str:
        return self.network or NO_NETWORK

    @property
    def team_key(self) -> int:
        return self.team_id if self.team_id is not None else 0


@dataclass
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
    previous_rank: int | None = None  # rank in the previous period (None: new, or not compared)

    @property
    def movement(self) -> int | None:
        """Places gained (positive) or lost since the previous period; None when new or not compared."""
        return None if self.previous_rank is None else self.previous_rank - self.rank


@dataclass
class Board:
    rows: list[BoardRow] = field(default_factory=list)  # the top N
    me: BoardRow | None = None  # the viewer, when ranked (inside or outside the top N)
    total: int = 0  # how many members are ranked
    compared: bool = False  # movement since the previous period was computed

    @property
    def me_outside_top(self) -> bool:
        return self.me is not None and all(row.membership_id != self.me.membership_id for row in self.rows)

    @property
    def listed(self) -> list[BoardRow]:
        return self.rows + ([self.me] if self.me is not None and self.me_outside_top else [])


def sort_name():
    """How equal totals are listed: by name, case-insensitively (the same SQL in every board reader and in the
    standings' `sort_name`)."""
    return sa.func.lower(sa.func.coalesce(User.name, ""))


def clean_kind(kind: str | None) -> str | None:
    return kind if kind in KINDS else None


def display_name(name: str | None, email: str) -> str:
    if email.endswith("@" + ERASED_EMAIL_DOMAIN):  # models/user.py User.display_name, from the row's columns
        return erased_label()
    return name or email.split("@")[0]


def team_names(*, org_id: int, membership_ids: list[int]) -> dict[int, list[str]]:
    """{member id: team names sorted case-insensitively} for the listed members (one query)."""
    names: dict[int, list[str]] = {mid: [] for mid in membership_ids}
    if membership_ids:
        for mid, name in db.session.execute(
                sa.select(membership_team.c.membership_id, Team.name)
                .join(Team, Team.id == membership_team.c.team_id)
                .where(Team.org_id == org_id, membership_team.c.membership_id.in_(membership_ids))):
            names[mid].append(name)
    return {mid: sorted(found, key=str.lower) for mid, found in names.items()}


def competition_ranks(points: list[int], *, offset: int = 0) -> list[int]:
    """Ranks of an ordered (descending) list of totals: equal totals share the first one's rank."""
    ranks: list[int] = []
    for i, value in enumerate(points):
        ranks.append(ranks[-1] if i and points[i - 1] == value else offset + i + 1)
    return ranks
