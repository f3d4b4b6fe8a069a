"""Engagement and potential reach as read back from the networks, per share (DESIGN.md §7).

`figures_for_shares` feeds the members' share lists; `latest_by_share` is what rollups take in: per
share, the latest engagement total the network reported (None: unknown) and the account's follower
count (potential reach, None: unknown). Unknown is never 0; a post deleted on the network keeps its
last figures and says it was deleted.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import Share, ShareEngagement, SocialAccount
from ...models.sharing import COUNTED_SHARE_STATUSES, share_moment
from ...providers import registry
from .periods import Window


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


def _reports(provider: str, scopes: str) -> bool:
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
    return ShareFigures(share_id=row.id, reported=_reports(row.provider, row.scopes or ""), likes=row.likes,
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
    batches: what rollups add up as engagement and potential reach."""
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


@dataclass(frozen=True)
class NetworkReach:
    """Per network, for the counted shares of a window: engagement and potential impressions, each None when no
    share of that network has the figure (unknown), else the sum of the known ones."""

    engagements: dict[str, int | None]
    impressions: dict[str, int | None]


def per_network(*, org_id: int, window: Window) -> NetworkReach:
    """Engagement (last figures read, deleted posts included) and potential impressions (each share's account
    followers) of the shares published through linked accounts in `window`, per network: one grouped query."""
    read = ShareEngagement.fetched_at.is_not(None)
    total = sum((sa.func.coalesce(column, 0) for column in (ShareEngagement.likes, ShareEngagement.reposts,
                                                              ShareEngagement.replies, ShareEngagement.quotes)),
                sa.literal(0))
    rows = db.session.execute(
        sa.select(Share.network, sa.func.sum(sa.case((read, total))), sa.func.count(ShareEngagement.fetched_at),
                  sa.func.sum(SocialAccount.followers_count), sa.func.count(SocialAccount.followers_count))
        .join(SocialAccount, SocialAccount.id == Share.account_id)
        .outerjoin(ShareEngagement, ShareEngagement.share_id == Share.id)
        .where(Share.org_id == org_id, SocialAccount.org_id == org_id, Share.status.in_(COUNTED_SHARE_STATUSES),
               *window.contains(share_moment()))
        .group_by(Share.network))
    engagements: dict[str, int | None] = {}
    impressions: dict[str, int | None] = {}
    for network, engaged, n_read, followers, n_known in rows:
        engagements[network] = int(engaged or 0) if n_read else None
        impressions[network] = int(followers or 0) if n_known else None
    return NetworkReach(engagements=engagements, impressions=impressions)
