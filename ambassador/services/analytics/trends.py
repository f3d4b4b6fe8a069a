"""Figures behind the charts: shares and counted clicks per day (for the organization, a post, a
campaign, a team or one member), the same for the previous period, and breakdowns by network, team and
campaign.

Definitions (the pages say the same):
* shares and counted clicks follow the leaderboard's rules (services/analytics/leaderboard.py):
  a share counts when it left the platform, at its moment (``published_at`` for API shares,
  else ``created_at``); only counted clicks are stored;
* the previous period is the run of whole org-local days of the same length that ends the day
  before the window starts (30 days → the 30 days before them);
* by team: a share or click counts for every team its member belongs to (a member in two teams
  counts in both, so team rows can add up to more than the total); members in no team are one
  row, "No team";
* by campaign: the campaign of the shared post; the top ``TOP_CAMPAIGNS`` by counted clicks, then shares;
* a team's figures: what its active members shared and the counted clicks on their links (the by-team rule:
  who is in the team now, whenever they joined it).
Every figure is grouped in SQL (one query per table, no query per row) and scoped to the organization.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from ...extensions import db
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
    TrackedLink,
)
from ...models.organization import membership_team
from ...models.points import SPENDING_REASONS
from ...models.sharing import COUNTED_SHARE_STATUSES, share_moment
from . import org_rollups, periods, scope_rollups
from .periods import Window
from .scopes import Scope, team_members

TOP_CAMPAIGNS = 10


def counted_shares(org_id: int, window: Window) -> list:
    """Conditions selecting the organization's counted shares inside `window`."""
    return [Share.org_id == org_id, Share.status.in_(COUNTED_SHARE_STATUSES), *window.contains(share_moment())]


def counted_clicks(org_id: int, window: Window) -> list:
    """Conditions for clicks (joined to their TrackedLink) of the organization inside `window`."""
    return [Click.org_id == org_id, TrackedLink.org_id == org_id, *window.contains(Click.created_at)]


@dataclass(frozen=True)
class DayStat:
    day: date
    shares: int
    clicks: int
    points: int = 0


@dataclass(frozen=True)
class Comparison:
    """A window's days and the previous period's, position by position (day 1 with day 1 …)."""

    current: list[DayStat]
    previous: list[DayStat]
    previous_window: Window

    @property
    def shares(self) -> int:
        return sum(d.shares for d in self.current)

    @property
    def clicks(self) -> int:
        return sum(d.clicks for d in self.current)

    @property
    def previous_shares(self) -> int:
        return sum(d.shares for d in self.previous)

    @property
    def previous_clicks(self) -> int:
        return sum(d.clicks for d in self.previous)


@dataclass(frozen=True)
class Slice:
    """One row of a breakdown: a key (network code, team id, campaign id; None = "none") and its figures."""

    key: str | int | None
    label: str
    shares: int
    clicks: int


@dataclass
class Breakdowns:
    networks: list[Slice] = field(default_factory=list)
    teams: list[Slice] = field(default_factory=list)
    campaigns: list[Slice] = field(default_factory=list)


def share_conditions(scope: Scope, window: Window) -> list:
    """Counted shares of `scope` inside `window`."""
    return narrowed(scope, counted_shares(scope.org_id, window), post=Share.post_id, member=Share.membership_id)


def click_conditions(scope: Scope, window: Window) -> list:
    """Counted clicks of `scope` inside `window` (the query joins Click to its TrackedLink)."""
    return narrowed(scope, counted_clicks(scope.org_id, window), post=TrackedLink.post_id,
                     member=TrackedLink.membership_id)


def narrowed(scope: Scope, where: list, *, post, member) -> list:
    """`where` plus the scope's post, campaign and member (`post`, `member`: the rows' columns)."""
    if scope.post_id is not None:
        where.append(post == scope.post_id)
    if scope.campaign_id is not None:
        where.append(post.in_(scope.campaign_posts or ()))
    if scope.membership_id is not None:
        where.append(member == scope.membership_id)
    if scope.team_id is not None:
        where.append(member.in_(team_members(scope)))
    return where


def clicks_query(*columns):
    """SELECT `columns` FROM click JOIN tracked_link (add the conditions and grouping)."""
    return sa.select(*columns).join(TrackedLink, TrackedLink.id == Click.tracked_link_id)


def _per_day(moments, window: Window) -> dict[int, int]:
    """{day index: count} for a one-column select of timestamps labelled "at" (grouped in SQL)."""
    inner = moments.subquery()
    indexed = sa.select(window.day_index(inner.c.at).label("day")).subquery()
    rows = db.session.execute(sa.select(indexed.c.day, sa.func.count()).where(indexed.c.day.is_not(None))
                              .group_by(indexed.c.day))
    return {int(i): int(n) for i, n in rows}


def daily(*, scope: Scope, window: Window, with_points: bool = False) -> list[DayStat]:
    """Counted shares and clicks (and, when asked, points earned) per org-local day of `window`."""
    if not window.bounded:
        return []
    if org_wide(scope):
        return _org_daily(org_id=scope.org_id, window=window)
    if scope_rollups.covers(scope):
        return _scope_daily(scope=scope, window=window, with_points=with_points)
    shares = _per_day(sa.select(share_moment().label("at")).where(*share_conditions(scope, window)), window)
    clicks = _per_day(clicks_query(Click.created_at.label("at")).where(*click_conditions(scope, window)), window)
    points: dict[int, int] = {}
    if with_points and scope.membership_id is not None:
        # The organization is checked on the membership row: given the ledger's org_id, SQLite (no statistics)
        # read the whole organization's window by (org, created) instead of the member's by (member, created).
        inner = (sa.select(PointsEntry.created_at.label("at"), PointsEntry.points.label("n"))
                 .join(Membership, Membership.id == PointsEntry.membership_id)
                 .where(Membership.id == scope.membership_id, Membership.org_id == scope.org_id,
                        PointsEntry.reason.notin_(SPENDING_REASONS), *window.contains(PointsEntry.created_at))
                 .subquery())
        indexed = sa.select(window.day_index(inner.c.at).label("day"), inner.c.n).subquery()
        points = {int(i): int(n) for i, n in db.session.execute(
            sa.select(indexed.c.day, sa.func.sum(indexed.c.n)).where(indexed.c.day.is_not(None))
            .group_by(indexed.c.day))}
    return [DayStat(day=d, shares=shares.get(i, 0), clicks=clicks.get(i, 0), points=points.get(i, 0))
            for i, d in enumerate(window.days)]


def _org_daily(*, org_id: int, window: Window) -> list[DayStat]:
    by_day = org_rollups.daily(org_id=org_id, window=window)
    return [DayStat(day, *by_day.get(day, (0, 0, 0))) for day in window.days]


def _scope_daily(*, scope: Scope, window: Window, with_points: bool) -> list[DayStat]:
    """A post's or a campaign's days, from the post-day totals (scope_rollups.py)."""
    by_day = scope_rollups.daily(scope, window)
    days = []
    for day in window.days:
        shares, clicks, points, _gained = by_day.get(day, (0, 0, 0, 0))
        days.append(DayStat(day, shares, clicks, points if with_points else 0))
    return days


def previous_window(org: Organization, window: Window) -> Window:
    """The same number of whole days, ending the day before `window` starts (a bounded window only)."""
    previous = periods.previous(org, window)
    if previous is None:
        raise ValueError("the previous period of an unbounded window")
    return previous


def compare(*, org: Organization, scope: Scope, window: Window,
            current: list[DayStat] | None = None) -> Comparison:
    """`window`'s days (or `current`, when the caller already has them) and the previous period's."""
    previous = previous_window(org, window)
    return Comparison(current=daily(scope=scope, window=window) if current is None else current,
                      previous=daily(scope=scope, window=previous), previous_window=previous)


def merge(shares: dict, clicks: dict, labels: dict) -> list[Slice]:
    """Slices for every key with shares or clicks, most counted clicks first, then shares, then label."""
    keys = set(shares) | set(clicks)
    rows = [Slice(key=k, label=labels.get(k, str(k)), shares=int(shares.get(k, 0)), clicks=int(clicks.get(k, 0)))
            for k in keys]
    return sorted(rows, key=lambda r: (-r.clicks, -r.shares, r.label.lower()))


def grouped(query) -> dict:
    """{key: count} from a two-column grouped query."""
    return {key: int(n) for key, n in db.session.execute(query)}


def names(column, key_column, keys: list, *where) -> dict:
    """{key: name} for the given keys (one query; none when there are no keys)."""
    if not keys:
        return {}
    return {k: v for k, v in db.session.execute(sa.select(key_column, column).where(key_column.in_(keys), *where))}


def org_wide(scope: Scope) -> bool:
    """The whole organization's figures: read from the rollups (services/analytics/org_rollups.py)."""
    return scope == Scope(org_id=scope.org_id)


def by_network(*, scope: Scope, window: Window, labels: dict[str, str]) -> list[Slice]:
    """Counted shares and clicks per network (`labels`: network code → name)."""
    if org_wide(scope):
        return merge(*org_rollups.by_network(org_id=scope.org_id, window=window), labels)
    if scope_rollups.covers(scope):
        return merge(*scope_rollups.pairs(scope, window, "network"), labels)
    shares = grouped(sa.select(Share.network, sa.func.count(Share.id)).where(*share_conditions(scope, window))
                      .group_by(Share.network))
    clicks = grouped(clicks_query(TrackedLink.network, sa.func.count(Click.id))
                      .where(*click_conditions(scope, window)).group_by(TrackedLink.network))
    return merge(shares, clicks, labels)


def by_team(*, scope: Scope, window: Window, no_team: str) -> list[Slice]:
    """Per team of the sharing member (a member in several teams counts in each); key None, labelled
    `no_team`, for members in no team. Active members only, as on the leaderboard (a deactivated member
    is in no team's figures)."""
    if org_wide(scope):
        shares, clicks = org_rollups.by_team(org_id=scope.org_id, window=window)
    else:
        shares, clicks = _by_team_raw(scope=scope, window=window)
    ids = [k for k in set(shares) | set(clicks) if k is not None]
    labels = names(Team.name, Team.id, ids, Team.org_id == scope.org_id)
    labels[None] = no_team
    return merge(shares, clicks, labels)


def _by_team_raw(*, scope: Scope, window: Window) -> tuple[dict, dict]:
    team = membership_team.c.team_id
    shares = grouped(sa.select(team, sa.func.count(Share.id))
                      .join(Membership, Membership.id == Share.membership_id)
                      .outerjoin(membership_team, membership_team.c.membership_id == Share.membership_id)
                      .where(*share_conditions(scope, window), Membership.status == MemberStatus.ACTIVE)
                      .group_by(team))
    clicks = grouped(clicks_query(team, sa.func.count(Click.id))
                      .join(Membership, Membership.id == TrackedLink.membership_id)
                      .outerjoin(membership_team, membership_team.c.membership_id == TrackedLink.membership_id)
                      .where(*click_conditions(scope, window), Membership.status == MemberStatus.ACTIVE)
                      .group_by(team))
    return shares, clicks


def by_campaign(*, scope: Scope, window: Window, limit: int | None = TOP_CAMPAIGNS) -> list[Slice]:
    """The top campaigns by counted clicks, then shares (every one with `limit` None)."""
    if org_wide(scope):
        shares, clicks = org_rollups.by_campaign(org_id=scope.org_id, window=window)
    elif scope_rollups.covers(scope):
        shares, clicks = scope_rollups.pairs(scope, window, "campaign_id")
    else:
        shares = grouped(sa.select(Post.campaign_id, sa.func.count(Share.id)).join(Post, Post.id == Share.post_id)
                          .where(*share_conditions(scope, window)).group_by(Post.campaign_id))
        clicks = grouped(clicks_query(Post.campaign_id, sa.func.count(Click.id))
                          .join(Post, Post.id == TrackedLink.post_id)
                          .where(*click_conditions(scope, window)).group_by(Post.campaign_id))
    labels = names(Campaign.title, Campaign.id, list(set(shares) | set(clicks)), Campaign.org_id == scope.org_id)
    return merge(shares, clicks, labels)[:limit]


def breakdowns(*, scope: Scope, window: Window, network_labels: dict[str, str], no_team: str) -> Breakdowns:
    return Breakdowns(networks=by_network(scope=scope, window=window, labels=network_labels),
                      teams=by_team(scope=scope, window=window, no_team=no_team),
                      campaigns=by_campaign(scope=scope, window=window))
