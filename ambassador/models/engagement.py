"""Engagement the networks report for published shares: snapshots over time, and each share's latest figures.

A figure the network does not give is NULL (unknown), never 0. A post deleted on the network is
marked (`deleted_at`) and keeps its last figures: it is not counted as zero.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, utcnow


class EngagementSnapshot(Model):
    """What the network reported for one share at one moment (stored only when a figure changed)."""

    __tablename__ = "engagement_snapshot"
    __table_args__ = (sa.Index("ix_engagement_snapshot_share_taken", "share_id", "taken_at"),
                      # The organization's readings in time order: rebuilds and "was anything read by then?".
                      sa.Index("ix_engagement_snapshot_org_taken", "org_id", "taken_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    share_id: Mapped[int] = mapped_column(sa.ForeignKey("share.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    likes: Mapped[int | None]
    reposts: Mapped[int | None]
    replies: Mapped[int | None]
    quotes: Mapped[int | None]
    impressions: Mapped[int | None]


class ShareEngagement(Model):
    """One row per published share that is (or was) followed: its latest figures and when to ask again."""

    __tablename__ = "share_engagement"
    __table_args__ = (sa.Index("ix_share_engagement_org_fetched", "org_id", "fetched_at"),)

    share_id: Mapped[int] = mapped_column(sa.ForeignKey("share.id", ondelete="CASCADE"), primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    likes: Mapped[int | None]
    reposts: Mapped[int | None]
    replies: Mapped[int | None]
    quotes: Mapped[int | None]
    impressions: Mapped[int | None]
    # When the network last answered for this post (NULL: never yet).
    fetched_at: Mapped[datetime | None]
    # When to ask again; NULL: never (30 days after publishing, or deleted on the network).
    next_fetch_at: Mapped[datetime | None] = mapped_column(index=True)
    # The network says the post no longer exists: marked, its last figures kept, never counted as 0.
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def total(self) -> int | None:
        """Likes + reposts + replies + quotes the network gave (impressions are reach, not engagement)."""
        known = [v for v in (self.likes, self.reposts, self.replies, self.quotes) if v is not None]
        return sum(known) if known else None
