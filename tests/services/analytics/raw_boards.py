"""The reference: boards and totals computed in Python straight from the raw rows (ledger, shares, clicks),
written from the ranking rules (services/analytics/boards.py) without any rollup."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ambassador.models import (
    Click,
    Membership,
    MemberStatus,
    Organization,
    PointsEntry,
    Post,
    Share,
    Team,
    TrackedLink,
    User,
)
from ambassador.models.organization import membership_team
from ambassador.models.points import SPENDING_REASONS
from ambassador.models.sharing import COUNTED_SHARE_STATUSES


@dataclass(frozen=True)
class Event:
    membership_id: int
    day: date
    post_id: int | None
    campaign_id: int | None
    network: str | None
    points: int = 0
    shares: int = 0
    clicks: int = 0


def _day(org: Organization, at: datetime) -> date:
    return at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(org.timezone or "UTC")).date()


def events(session, org: Organization) -> list[Event]:
    posts = {pid: cid for pid, cid in session.execute(sa.select(Post.id, Post.campaign_id))}
    links = {row.id: row for row in session.execute(sa.select(TrackedLink))
             .scalars()}
    shares = {s.id: s for s in session.scalars(sa.select(Share).where(Share.org_id == org.id))}
    clicks = {c.id: c for c in session.scalars(sa.select(Click).where(Click.org_id == org.id))}
    found = []
    for e in session.scalars(sa.select(PointsEntry).where(PointsEntry.org_id == org.id)):
        if e.reason in SPENDING_REASONS:
            continue
        post, network = None, None
        if e.share_id in shares:
            post, network = shares[e.share_id].post_id, shares[e.share_id].network
        elif e.click_id in clicks:
            link = links[clicks[e.click_id].tracked_link_id]
            post, network = link.post_id, link.network
        found.append(Event(e.membership_id, e.day, post, posts.get(post), network, points=e.points))
    for s in shares.values():
        if s.status in COUNTED_SHARE_STATUSES:
            found.append(Event(s.membership_id, _day(org, s.published_at or s.created_at), s.post_id,
                               posts[s.post_id], s.network, shares=1))
    for c in clicks.values():
        link = links[c.tracked_link_id]
        found.append(Event(link.membership_id, _day(org, c.created_at), link.post_id, posts[link.post_id],
                           link.network, clicks=1))
    return found


@dataclass(frozen=True)
class Row:
    membership_id: int
    rank: int
    points: int
    shares: int
    clicks: int


def _members(session, org: Organization, team_id: int | None, kind: str | None) -> dict[int, str]:
    query = (sa.select(Membership.id, User.name).join(User, User.id == Membership.user_id)
             .where(Membership.org_id == org.id, Membership.status == MemberStatus.ACTIVE))
    if kind:
        query = query.where(Membership.kind == kind)
    if team_id is not None:
        query = query.where(Membership.id.in_(sa.select(membership_team.c.membership_id)
                                              .where(membership_team.c.team_id == team_id)))
    return {mid: name for mid, name in session.execute(query)}


def totals(evts: list[Event], *, first: date | None, last: date | None, campaign_id: int | None,
           network: str | None) -> tuple[dict[int, list[int]], set[int]]:
    """({member: [points, shares, clicks]}, members with any event) inside the window and scope."""
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    active: set[int] = set()
    for e in evts:
        if first is not None and not first <= e.day <= last:
            continue
        if campaign_id is not None and e.campaign_id != campaign_id:
            continue
        if network is not None and e.network != network:
            continue
        row = sums[e.membership_id]
        row[0] += e.points
        row[1] += e.shares
        row[2] += e.clicks
        active.add(e.membership_id)
    return sums, active


def board(session, org: Organization, evts: list[Event], *, first: date | None, last: date | None,
          team_id: int | None = None, kind: str | None = None, campaign_id: int | None = None,
          network: str | None = None) -> tuple[list[Row], dict[int, Row], set[int]]:
    """(every ranked row in board order, rows by member, members whose points, shares or clicks in the scope
    are not all 0)."""
    members = _members(session, org, team_id, kind)
    sums, active = totals(evts, first=first, last=last, campaign_id=campaign_id, network=network)
    order = sorted(members, key=lambda m: (-sums[m][0], (members[m] or "").lower(), m))
    rows = []
    for m in order:
        rank = 1 + sum(1 for other in members if sums[other][0] > sums[m][0])
        rows.append(Row(m, rank, *sums[m]))
    moved = {m for m in active if any(sums[m])}
    return rows, {r.membership_id: r for r in rows}, moved & set(members)


def identities(session, org: Organization) -> dict[int, tuple[str, str, list[str]]]:
    """{member id: (the name a board shows, kind, team names sorted case-insensitively)} of every member."""
    users = {mid: (name, email, kind) for mid, name, email, kind in session.execute(
        sa.select(Membership.id, User.name, User.email, Membership.kind).join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org.id))}
    teams: dict[int, list[str]] = defaultdict(list)
    for mid, team in session.execute(sa.select(membership_team.c.membership_id, Team.name)
                                     .join(Team, Team.id == membership_team.c.team_id).where(Team.org_id == org.id)):
        teams[mid].append(team)
    return {mid: (name or email.split("@")[0], kind, sorted(teams[mid], key=str.lower))
            for mid, (name, email, kind) in users.items()}
