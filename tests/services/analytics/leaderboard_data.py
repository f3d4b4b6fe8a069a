"""Test helpers for the leaderboard area: ledger entries, shares and clicks written directly."""
from __future__ import annotations

import itertools
from datetime import datetime

import pytest
import sqlalchemy as sa

from ambassador.models import Click, Membership, Organization, PointsEntry, Post, Share, TrackedLink
from ambassador.services.community.points import local_day

from ...factories import Factory

_seq = itertools.count(1)


class Activity(Factory):
    """The shared factories plus the rows other areas write: points, shares, clicks."""

    def points(self, member: Membership, points: int, at: datetime, reason: str = "adjustment") -> PointsEntry:
        org = self.db.session.get(Organization, member.org_id)
        return self._add(PointsEntry(org_id=member.org_id, membership_id=member.id, points=points, reason=reason,
                                     day=local_day(org, at), created_at=at))

    def link(self, member: Membership, post: Post, network: str = "linkedin") -> TrackedLink:
        link = self.db.session.scalar(sa.select(TrackedLink).where(
            TrackedLink.post_id == post.id, TrackedLink.membership_id == member.id, TrackedLink.network == network))
        return link or self._add(TrackedLink(org_id=member.org_id, code=f"lb{next(_seq)}", post_id=post.id,
                                             membership_id=member.id, network=network,
                                             destination=post.link_url))

    def share(self, member: Membership, post: Post, at: datetime, *, network: str = "linkedin",
              method: str = "intent", status: str = "shared", published_at: datetime | None = None) -> Share:
        link = self.link(member, post, network)
        return self._add(Share(org_id=member.org_id, post_id=post.id, membership_id=member.id,
                               tracked_link_id=link.id, network=network, method=method, status=status,
                               created_at=at, published_at=published_at))

    def shared_and_clicked(self, member: Membership, post: Post, points: int, at: datetime) -> None:
        """`points` for `member`, one share of `post` and one click on it, all at `at`."""
        self.points(member, points, at)
        self.share(member, post, at)
        self.click(member, post, at)

    def click(self, member: Membership, post: Post, at: datetime, network: str = "linkedin") -> Click:
        link = self.link(member, post, network)
        return self._add(Click(org_id=member.org_id, tracked_link_id=link.id, visitor_hash=f"v{next(_seq)}",
                               hour_bucket=int(at.timestamp() // 3600), created_at=at))


@pytest.fixture
def act(db):
    """Write activity directly (a plugin of the suite: tests/conftest.py `pytest_plugins`)."""
    return Activity(db)
