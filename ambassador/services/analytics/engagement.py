"""Engagement and potential reach as read back from the networks, per share (DESIGN.md §7).

`figures_for_shares` feeds the members' share lists; `latest_by_share` streams, per share, the latest
engagement figures the network reported (None: unknown) and the account's follower count (potential
reach, None: unknown). Unknown is never 0; a post deleted on the network keeps its
last figures and says it was deleted.

For a window's counted shares (the organization's, a post's, a campaign's — trends.Scope):
* `by_network` / `per_network`: per network, the latest figures summed (engagement = likes + reposts +
  replies + quotes of the shares read back, deleted posts' last figures included) and potential
  impressions (each share's account followers, a share counted once per share); `by_member` the same per
  member. A figure no share has is None (unknown), else the sum of the known ones.
* `daily` is not about the window's shares but about the window's days: a day's engagement is the engagement
  gained on that day — each reading taken that day (a stored snapshot), its increase in likes + reposts +
  replies + quotes over the share's previous reading (the first reading whole; an unlike makes it
  negative) — for the shares of the organization (or of the post, campaign or member), whatever day they
  went out. The same definition for every scope: the organization's is read from the rollups (the day's
  post totals, kept by the engagement job), the others from the snapshots. Over a window that holds every
  share and every reading the days add up to the latest figures; otherwise they also hold what older
  shares gained in the window. None (unknown) when no share of the scope had been read back by the
  window's last day.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import EngagementSnapshot, Organization, Share, ShareEngagement, ShareMethod, SocialAccount
from ...providers import registry
from . import org_rollups, scope_rollups, trends
from .periods import Window
from .scopes import team_members
from .trends import Scope


@dataclass(frozen=True)
class ShareFigures:
    share_id: int
    reported: bool  # does the network report engagement for this account at all?
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    impressions: int | None = None
    fetched_at: datetime | None = None  # None: not read yet
    deleted_at: datetime | None = None
    followers: int | None = None  # the account's potential reach when last read

    @property
    def total(self) -> int | None:
        """Likes + reposts + replies + quotes that are known (impressions are reach, not engagement)."""
        known = [v for v in (self.likes, self.reposts, self.replies, self.quotes) if v is not None]
        return sum(known) if known else None


def reports(provider: str, scopes: str) -> bool:
    """Does `provider` report engagement for an account granted `scopes` (space-separated)?"""
    cls = registry.all_classes().get(provider)
    if cls is None:
        return False
    return cls.reports_engagement(scopes=tuple(scopes.split()))


def _query(org_id: int) -> sa.Select:
    return (sa.select(Share.id, SocialAccount.provider, SocialAccount.scopes, SocialAccount.followers_count,
                      ShareEngagement.likes, ShareEngagement.reposts, ShareEngagement.replies, ShareEngagement.quotes,
                      ShareEngagement.impressions, ShareEngagement.fetched_at, ShareEngagement.deleted_at)
            .join(SocialAccount, SocialAccount.id == Share.account_id)
            .outerjoin(ShareEngagement, ShareEngagement.share_id == Share.id)
            .where(Share.org_id == org_id, SocialAccount.org_id == org_id))


def _figures(row) -> ShareFigures:
    return ShareFigures(share_id=row.id, reported=reports(row.provider, row.scopes or ""), likes=row.likes,
                        reposts=row.reposts, replies=row.replies, quotes=row.quotes, impressions=row.impressions,
                        fetched_at=row.fetched_at, deleted_at=row.deleted_at, followers=row.followers_count)


def figures_for_shares(*, org_id: int, share_ids: Sequence[int]) -> dict[int, ShareFigures]:
    """The latest figures of these shares (API shares through a linked account), in this organization only."""
    if not share_ids:
        return {}
    rows = db.session.execute(_query(org_id).where(Share.id.in_(list(share_ids))))
    return {row.id: _figures(row) for row in rows}


def latest_by_share(*, org_id: int, since: datetime | None = None, batch: int = 1000) -> Iterator[ShareFigures]:
    """Every share with figures read back (optionally read since `since`), in share id order, streamed in
    batches."""
    query = _query(org_id).where(ShareEngagement.fetched_at.is_not(None)).order_by(Share.id)
    if since is not None:
        query = query.where(ShareEngagement.fetched_at >= since)
    last = 0
    while True:
        rows = db.session.execute(query.where(Share.id > last).limit(batch)).all()
        for row in rows:
            yield _figures(row)
        if len(rows) < batch:
            return
        last = rows[-1].id


FIGURES = ("likes", "reposts", "replies", "quotes", "impressions")
_ENGAGEMENT = ("likes", "reposts", "replies", "quotes")  # impressions are reach, not engagement


def _known(values: Sequence[int | None]) -> int | None:
    """The sum of the known values; None when none is known."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


@dataclass
class ReachFigures:
    """Engagement and potential reach of some counted shares. None: unknown (no share has the figure)."""

    shares: int = 0  # counted shares
    linked: int = 0  # of which published through a linked account
    unreported: int = 0  # linked shares whose network does not report engagement for the account (LinkedIn)
    waiting: int = 0  # linked shares on a reporting network, not read back yet
    read: int = 0  # figures read back at least once
    deleted: int = 0  # marked deleted on the network: their last figures still count (never as 0)
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    impressions: int | None = None  # as the network reports them (X), not potential
    engagement: int | None = None  # likes + reposts + replies + quotes of the shares read back
    reach: int | None = None  # potential reach: Σ followers of each share's account
    reach_known: int = 0  # shares whose account's follower count is known

    @property
    def reach_unknown(self) -> int:
        return self.shares - self.reach_known

    @property
    def intent(self) -> int:
        """Shares through a share link (no linked account): the network tells nothing about them."""
        return self.shares - self.linked

    def add(self, other: ReachFigures) -> None:
        for name in ("shares", "linked", "unreported", "waiting", "read", "deleted", "reach_known"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in (*FIGURES, "engagement", "reach"):
            setattr(self, name, _known([getattr(self, name), getattr(other, name)]))


@dataclass
class NetworkEngagement(ReachFigures):
    network: str = ""
    label: str = ""


def _aggregates() -> list:
    """Per group of shares: the figures ReachFigures holds, summed in SQL (labelled as its fields)."""
    read = ShareEngagement.fetched_at.is_not(None)
    total = sum((sa.func.coalesce(getattr(ShareEngagement, name), 0) for name in _ENGAGEMENT), sa.literal(0))
    unread = sa.and_(ShareEngagement.fetched_at.is_(None), ShareEngagement.deleted_at.is_(None))
    columns = [sa.func.count(Share.id).label("shares"),
               sa.func.count(sa.case((Share.method == ShareMethod.API, 1))).label("linked"),
               sa.func.count(sa.case((sa.and_(Share.method == ShareMethod.API, unread), 1))).label("unread"),
               sa.func.count(ShareEngagement.fetched_at).label("read"),
               sa.func.count(ShareEngagement.deleted_at).label("deleted"),
               sa.func.sum(sa.case((read, total))).label("engagement"),
               sa.func.sum(SocialAccount.followers_count).label("reach"),
               sa.func.count(SocialAccount.followers_count).label("reach_known")]
    for name in FIGURES:
        column = getattr(ShareEngagement, name)
        columns += [sa.func.sum(column).label(name), sa.func.count(column).label(f"{name}_known")]
    return columns


def _counted(scope: Scope, window: Window, *columns) -> sa.Select:
    """SELECT `columns` over the counted shares of `scope` in `window`, their account and latest figures."""
    return (sa.select(*columns).select_from(Share)
            .outerjoin(SocialAccount, sa.and_(SocialAccount.id == Share.account_id,
                                              SocialAccount.org_id == scope.org_id))
            .outerjoin(ShareEngagement, sa.and_(ShareEngagement.share_id == Share.id,
                                                ShareEngagement.org_id == scope.org_id))
            .where(*trends.share_conditions(scope, window)))


def _reach_figures(row, *, reported: bool | None) -> ReachFigures:
    """`reported`: does the group's network report engagement for its accounts (None: no account)."""
    linked, unread = int(row.linked or 0), int(row.unread or 0)  # None: an outer-joined member without shares
    return ReachFigures(
        shares=int(row.shares or 0), linked=linked, unreported=linked if reported is False else 0,
        waiting=unread if reported else 0, read=int(row.read or 0), deleted=int(row.deleted or 0),
        engagement=int(row.engagement or 0) if row.read else None,
        reach=int(row.reach or 0) if row.reach_known else None, reach_known=int(row.reach_known or 0),
        **{name: int(getattr(row, name) or 0) if getattr(row, f"{name}_known") else None for name in FIGURES})


def by_network(*, scope: Scope, window: Window, labels: Mapping[str, str] | None = None,
               linked_only: bool = False) -> list[NetworkEngagement]:
    """Per network of the counted shares in `window`: one grouped query (by network and kind of account).
    `linked_only`: only the shares published through a linked account (method "api": the only ones with an account
    and figures read back), found through the (org, method, moment) index instead of every share of the window."""
    query = _counted(scope, window, Share.network, SocialAccount.provider, SocialAccount.scopes,
                     *_aggregates()).group_by(Share.network, SocialAccount.provider, SocialAccount.scopes)
    if linked_only:
        query = query.where(Share.method == ShareMethod.API)
    rows: dict[str, NetworkEngagement] = {}
    for row in db.session.execute(query):
        reported = None if row.provider is None else reports(row.provider, row.scopes or "")
        network = rows.setdefault(row.network, NetworkEngagement(
            network=row.network, label=(labels or {}).get(row.network, row.network)))
        network.add(_reach_figures(row, reported=reported))
    return sorted(rows.values(), key=lambda n: (-n.shares, n.label.lower()))


def by_member(*, scope: Scope, window: Window, members: Sequence[int] | None = None) -> sa.Subquery:
    """A subquery of ReachFigures' columns per member (`membership_id`) for joining to a list of members (only
    `members`' shares when given)."""
    query = _counted(scope, window, Share.membership_id.label("membership_id"), *_aggregates())
    if members is not None:
        query = query.where(Share.membership_id.in_(list(members)))
    return query.group_by(Share.membership_id).subquery()


def member_figures(row) -> ReachFigures:
    """ReachFigures from a row carrying `by_member`'s columns (reported or not is not told per member)."""
    return _reach_figures(row, reported=None)


def total(rows: Sequence[ReachFigures]) -> ReachFigures:
    summed = ReachFigures()
    for row in rows:
        summed.add(row)
    return summed


@dataclass(frozen=True)
class NetworkReach:
    """Per network, for the counted shares of a window: engagement and potential impressions, each None when no
    share of that network has the figure (unknown), else the sum of the known ones."""

    engagements: dict[str, int | None]
    impressions: dict[str, int | None]


def reach_of(rows: Sequence[NetworkEngagement]) -> NetworkReach:
    """What earned media value takes from `by_network`: the networks with shares through linked accounts."""
    linked = [row for row in rows if row.linked]
    return NetworkReach(engagements={row.network: row.engagement for row in linked},
                        impressions={row.network: row.reach for row in linked})


def per_network(*, org_id: int, window: Window) -> NetworkReach:
    """Engagement (last figures read, deleted posts included) and potential impressions (each share's account
    followers) of the organization's shares published through linked accounts in `window`, per network."""
    return reach_of(by_network(scope=Scope(org_id=org_id), window=window, linked_only=True))


@dataclass(frozen=True)
class DailyEngagement:
    """Engagement per day of a window: the likes, reposts, replies and quotes the networks reported as new by the
    readings taken that day, on the scope's shares of any day. `known` False: no share of the scope had been read
    back by the window's last day (the days are unknown, not 0)."""

    window: Window
    days: list[int]
    known: bool

    @property
    def values(self) -> list[int | None]:
        return list(self.days) if self.known else [None] * len(self.days)

    @property
    def total(self) -> int | None:
        return sum(self.days) if self.known else None


def daily(*, scope: Scope, window: Window) -> DailyEngagement:
    """Per org-local day of `window`: the engagement gained that day — each reading's increase over its share's
    previous one (the first reading whole), for the scope's shares whatever day they went out, summed per day.

    The organization's (no post, campaign or member): one grouped query on the rollups' post-day totals (a few
    hundred rows, whatever the number of shares) and one indexed look for a reading. A post's, a campaign's
    or a member's: one query over their shares' snapshots (a window function gives each reading's previous one).
    """
    if not window.bounded:
        return DailyEngagement(window=window, days=[], known=False)
    if trends.org_wide(scope):
        by_day = org_rollups.engagement_daily(org_id=scope.org_id, window=window)
        return DailyEngagement(window=window, days=[by_day.get(day, 0) for day in window.days],
                               known=_read_by(scope.org_id, window))
    if scope_rollups.covers(scope):
        sums = scope_rollups.daily(scope, window)
        return DailyEngagement(window=window, days=[sums[day][3] if day in sums else 0 for day in window.days],
                               known=_scope_read_by(scope, window))
    snapshot = EngagementSnapshot
    figures = sum((sa.func.coalesce(getattr(snapshot, name), 0) for name in _ENGAGEMENT), sa.literal(0))
    before = sa.func.lag(figures).over(partition_by=snapshot.share_id, order_by=(snapshot.taken_at, snapshot.id))
    steps = (sa.select(snapshot.taken_at.label("at"), (figures - sa.func.coalesce(before, 0)).label("gain"))
             .join(Share, Share.id == snapshot.share_id)
             .where(snapshot.org_id == scope.org_id, snapshot.taken_at < window.end,
                    *trends.narrowed(scope, [Share.org_id == scope.org_id], post=Share.post_id,
                                     member=Share.membership_id))
             .subquery())
    # Readings before the window fall on no day (NULL): they only tell that the scope was read back by then.
    day = sa.case((steps.c.at < window.start, None), else_=window.day_index(steps.c.at))
    indexed = sa.select(day.label("day"), steps.c.gain).subquery()
    rows = db.session.execute(sa.select(indexed.c.day, sa.func.sum(indexed.c.gain)).group_by(indexed.c.day)).all()
    gains = {int(day): int(gain or 0) for day, gain in rows if day is not None}
    return DailyEngagement(window=window, days=[gains.get(i, 0) for i in range(len(window.days))], known=bool(rows))


def _scope_read_by(scope: Scope, window: Window) -> bool:
    """Had any share of the scope been read back by the window's last day? (Stops at the first reading.)"""
    read = sa.select(EngagementSnapshot.id)
    if scope.team_id is not None:
        # From the team's members to their shares to their readings, each an index lookup, stopping at the first
        # reading: with "member IN (the team)" PostgreSQL hashed every share of the organization first (23 ms →
        # 0.1 ms on the bench's 5,000-member team).
        members = team_members(scope).subquery()
        read = (read.select_from(members).join(Share, Share.membership_id == members.c.membership_id)
                .join(EngagementSnapshot, EngagementSnapshot.share_id == Share.id))
        scope = replace(scope, team_id=None)
    else:
        read = read.join(Share, Share.id == EngagementSnapshot.share_id)
    read = read.where(EngagementSnapshot.org_id == scope.org_id, EngagementSnapshot.taken_at < window.end,
                      *trends.narrowed(scope, [Share.org_id == scope.org_id], post=Share.post_id,
                                       member=Share.membership_id))
    return db.session.scalar(sa.select(read.exists())) or False


def _read_by(org_id: int, window: Window) -> bool:
    """Had any share of the organization been read back by the window's last day? (An indexed look at the
    organization's snapshots, stopping at the first one.)"""
    return db.session.scalar(sa.select(sa.exists().where(EngagementSnapshot.org_id == org_id,
                                                         EngagementSnapshot.taken_at < window.end))) or False


@dataclass(frozen=True)
class DailyComparison:
    current: DailyEngagement
    previous: DailyEngagement

    @property
    def known(self) -> bool:
        return self.current.known or self.previous.known


def compare_daily(*, org: Organization, scope: Scope, window: Window) -> DailyComparison:
    """`daily` for `window` and for the previous period (trends.previous_window), day by day."""
    return DailyComparison(current=daily(scope=scope, window=window),
                           previous=daily(scope=scope, window=trends.previous_window(org, window)))
