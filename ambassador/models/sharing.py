"""Shares, their tracked short links and the clicks those bring."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, one_of, utcnow

if TYPE_CHECKING:  # the other side of relationships, for the type checker only
    from .accounts import SocialAccount
    from .content import Post
    from .organization import Membership


class ShareMethod(enum.StrEnum):
    """How a share left the platform: an intent link opened in the browser, or pushed through a
    linked account by the worker."""

    INTENT = "intent"
    API = "api"


class ShareStatus(enum.StrEnum):
    """Intent shares are "shared" at once; API shares go through the publishing states."""

    SHARED = "shared"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"  # we cannot tell whether the network got it
    CANCELED = "canceled"


# The shares that left the platform and count (leaderboards, badges, the overview): intent shares and published ones.
COUNTED_SHARE_STATUSES = (ShareStatus.SHARED, ShareStatus.PUBLISHED)


class TrackedLink(Model):
    """One short link per (post, member, network): the ambassador's own link."""

    __tablename__ = "tracked_link"
    __table_args__ = (sa.UniqueConstraint("post_id", "membership_id", "network"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("membership.id", ondelete="CASCADE"), index=True)
    network: Mapped[str] = mapped_column(sa.String(16))
    # The full destination with UTM parameters, computed once; the redirect only goes here.
    destination: Mapped[str] = mapped_column(sa.String(2600))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship()  # noqa: F821
    membership: Mapped[Membership] = relationship()  # noqa: F821


class Share(Model):
    __tablename__ = "share"
    __table_args__ = (sa.Index("ix_share_org_created", "org_id", "created_at"),
                      # The window's shares of one method by the moment they count (share_moment()): the earned
                      # media value reads the linked ones (services/analytics/engagement.py per_network).
                      sa.Index("ix_share_org_method_moment", "org_id", "method",
                               sa.text("coalesce(published_at, created_at)")),
                      # The shares in flight, by account: a claim skips an account with one in any worker.
                      sa.Index("ix_share_account_publishing", "account_id",
                               sqlite_where=sa.text("status = 'publishing'"),
                               postgresql_where=sa.text("status = 'publishing'")),
                      # The publishing queue: only due API shares are in it, in the order they are claimed. A share
                      # claimed, sent or settled leaves it, so those updates (each share has several) add no entry.
                      sa.Index("ix_share_queue", "next_attempt_at", "id",
                               sqlite_where=sa.text("status = 'scheduled' AND method = 'api'"),
                               postgresql_where=sa.text("status = 'scheduled' AND method = 'api'")),
                      # The same queue by account: an account's other due shares, moved behind the queue once one
                      # of its shares went out (services/publishing/leases.py requeue_behind).
                      sa.Index("ix_share_account_queue", "account_id",
                               sqlite_where=sa.text("status = 'scheduled' AND method = 'api'"),
                               postgresql_where=sa.text("status = 'scheduled' AND method = 'api'")),
                      one_of("method", ShareMethod),
                      one_of("status", ShareStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: ix_share_org_created leads with it.
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("membership.id", ondelete="CASCADE"), index=True)
    tracked_link_id: Mapped[int] = mapped_column(sa.ForeignKey("tracked_link.id", ondelete="CASCADE"), index=True)
    network: Mapped[str] = mapped_column(sa.String(16))
    method: Mapped[str] = mapped_column(sa.String(8), default=ShareMethod.INTENT)
    status: Mapped[str] = mapped_column(sa.String(16), default=ShareStatus.SHARED, index=True)
    caption: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # API shares (publishing pipeline): when to publish, what came back.
    scheduled_at: Mapped[datetime | None] = mapped_column(index=True)
    published_at: Mapped[datetime | None]
    external_id: Mapped[str | None] = mapped_column(sa.String(255))
    external_url: Mapped[str | None] = mapped_column(sa.String(2048))
    error: Mapped[str | None] = mapped_column(sa.Text)
    # Publishing through a linked account (method "api"):
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("social_account.id", ondelete="SET NULL"),
                                                   index=True)
    # Sent to networks that support idempotency (Mastodon Idempotency-Key, Bluesky record key).
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # Due time of the next try (scheduled_at at first, later pushed back by backoff/rate limits).
    next_attempt_at: Mapped[datetime | None]  # (ix_share_queue)
    # The claim a worker holds while publishing; a lease that ran out is recovered.
    lease_owner: Mapped[str | None] = mapped_column(sa.String(64))
    lease_expires_at: Mapped[datetime | None]
    # Set (and committed) right before the network call: "sending". A lease that runs out with
    # this unset never reached the network, so recovery puts the share back in the queue.
    sending_at: Mapped[datetime | None]
    # retry | reauth | rejected | unknown_outcome | rate_limited | config
    error_kind: Mapped[str | None] = mapped_column(sa.String(16))
    # Set when the share came from a campaign's auto-share to the member's queue.
    auto: Mapped[bool] = mapped_column(default=False)

    post: Mapped[Post] = relationship()  # noqa: F821
    account: Mapped[SocialAccount | None] = relationship()  # noqa: F821
    membership: Mapped[Membership] = relationship()  # noqa: F821
    tracked_link: Mapped[TrackedLink] = relationship()


def share_moment() -> sa.ColumnElement:
    """When a share counts: published (API shares) or created (intent shares)."""
    return sa.func.coalesce(Share.published_at, Share.created_at)


def _day_of_hour_bucket(context) -> int:
    return context.get_current_parameters()["hour_bucket"] // 24


class Click(Model):
    """A counted click (bots, previews, repeats within the hour and over the daily cap are not stored).

    The unique constraints on (link, visitor, hour bucket) and (link, visitor, UTC day, slot)
    guard against two processes counting the same visitor at once; the hour-long dedupe
    window and the per-day cap themselves are checked when the batch is written
    (services/publishing/clicks.py), which gives each click its slot: its rank that day.
    """

    __tablename__ = "click"
    __table_args__ = (
        sa.UniqueConstraint("tracked_link_id", "visitor_hash", "hour_bucket"),
        # A unique index, not a constraint: SQLite adds it without rebuilding the table.
        sa.Index("ix_click_day_slot", "tracked_link_id", "visitor_hash", "day_bucket", "day_slot", unique=True),
        sa.Index("ix_click_org_created", "org_id", "created_at"),
        # The clicks that still hold a visitor hash, oldest first: what the retention job clears
        # (services/publishing/click_retention.py); a row leaves the index when its hash is dropped.
        sa.Index("ix_click_hash_kept", "created_at", sqlite_where=sa.text("visitor_hash IS NOT NULL"),
                 postgresql_where=sa.text("visitor_hash IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    tracked_link_id: Mapped[int] = mapped_column(sa.ForeignKey("tracked_link.id", ondelete="CASCADE"), index=True)
    # Keyed hash of the visitor's address (never the address): needed only to deduplicate within the hour and
    # cap per day, so it is dropped (NULL) after CLICK_VISITOR_HASH_RETENTION_DAYS; the click still counts.
    visitor_hash: Mapped[str | None] = mapped_column(sa.String(64))
    hour_bucket: Mapped[int]
    day_bucket: Mapped[int] = mapped_column(default=_day_of_hour_bucket, server_default="0")  # UTC days since epoch
    day_slot: Mapped[int] = mapped_column(default=0, server_default="0")
    referrer_host: Mapped[str] = mapped_column(sa.String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tracked_link: Mapped[TrackedLink] = relationship()


class ClickInbox(Model):
    """A click the redirect accepted, waiting for the worker to count it (services/publishing/click_sink.py).

    The web process only appends here (one multi-row insert per flushed batch); the worker's `drain_clicks`
    job takes rows in id order, applies the counting rules, stores the counted `Click` rows, awards their
    points and updates the rollups, and deletes the rows it took, all in one transaction. No foreign keys and
    no index but the primary key: the insert stays the cheapest write there is, and a click on a link deleted
    meanwhile is dropped when drained.
    """

    __tablename__ = "click_inbox"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    org_id: Mapped[int]
    tracked_link_id: Mapped[int]
    membership_id: Mapped[int]
    network: Mapped[str] = mapped_column(sa.String(16))
    visitor_hash: Mapped[str] = mapped_column(sa.String(64))
    referrer_host: Mapped[str] = mapped_column(sa.String(255), default="")
    created_at: Mapped[datetime]
