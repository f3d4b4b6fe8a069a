"""What one member's digest says: the live posts they may share that appeared since their last digest
(the feed's own rule, services/publishing/feed.py), their results over the last 7 days (points, counted
shares and clicks, rank — read from the standings/rollups like the leaderboard), and for managers in the
weekly digest the organization's week (services/analytics/overview.py).

Figures that are the same for every member of an organization (how many are ranked, the manager summary)
are read once per organization per run: `OrgFacts` holds them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ...extensions import db
from ...models import DigestFrequency, Membership, Organization, Post, Role
from ..analytics import leaderboard, overview, periods
from ..analytics.boards import BoardRow
from ..publishing import feed

POSTS_SHOWN = 8
RESULT_DAYS = 7


@dataclass
class OrgFacts:
    """Per-organization figures, computed on first use and kept for the rest of the run."""

    ranked: dict[int, int] = field(default_factory=dict)
    summaries: dict[int, overview.Overview] = field(default_factory=dict)

    def ranked_in(self, org: Organization, window: periods.Window) -> int:
        if org.id not in self.ranked:
            self.ranked[org.id] = leaderboard.members_with_points(org_id=org.id, window=window)
        return self.ranked[org.id]

    def summary(self, org: Organization, window: periods.Window) -> overview.Overview:
        if org.id not in self.summaries:
            self.summaries[org.id] = overview.overview(org_id=org.id, window=window)
        return self.summaries[org.id]


@dataclass
class Digest:
    membership: Membership
    frequency: str
    posts: list[Post]
    more_posts: bool  # more new posts than shown
    results: BoardRow | None  # the member's last 7 days (None: not ranked)
    rank: int | None  # None while the member's points add up to 0
    ranked: int
    summary: overview.Overview | None = None  # managers, weekly

    @property
    def has_results(self) -> bool:
        r = self.results
        return r is not None and bool(r.points or r.shares or r.clicks)

    @property
    def empty(self) -> bool:
        """Nothing worth an email: a daily digest needs new posts; a weekly one new posts or any results."""
        if self.posts:
            return False
        if self.frequency == DigestFrequency.DAILY:
            return True
        busy_org = self.summary is not None and bool(self.summary.shares or self.summary.clicks)
        return not (self.has_results or busy_org)


def new_posts(membership: Membership, *, since: datetime, now: datetime) -> tuple[list[Post], bool]:
    """The live posts for the member published after `since`, newest first (at most POSTS_SHOWN)."""
    query = feed.live_posts(membership=membership, now=now).where(Post.published_at > since)
    posts = list(db.session.scalars(query.limit(POSTS_SHOWN + 1)).unique())
    return posts[:POSTS_SHOWN], len(posts) > POSTS_SHOWN


def build(membership: Membership, *, frequency: str, since: datetime, now: datetime,
          facts: OrgFacts | None = None) -> Digest:
    facts = facts or OrgFacts()
    org = membership.organization
    posts, more = new_posts(membership, since=since, now=now)
    window = periods.last_days(org, RESULT_DAYS, now=now)
    me = leaderboard.my_rank(org_id=org.id, window=window, membership_id=membership.id)
    digest = Digest(membership=membership, frequency=frequency, posts=posts, more_posts=more, results=me,
                    rank=me.rank if me is not None and me.points != 0 else None,
                    ranked=facts.ranked_in(org, window))
    if frequency == DigestFrequency.WEEKLY and membership.has_role(Role.MANAGER):
        digest.summary = facts.summary(org, window)
    return digest
