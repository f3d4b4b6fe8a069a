"""The append-only points ledger; balances and leaderboards are derived from it."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, utcnow

if TYPE_CHECKING:  # the other side of relationships, for the type checker only
    from .organization import Membership

# Spending points (and getting them back) is not earning them: leaderboards leave these out.
SPENDING_REASONS = ("redemption", "refund")
POINT_REASONS = ("share", "click", "adjustment", "idea", "vote", "poll", "survey", "redemption", "refund")


class PointsEntry(Model):
    __tablename__ = "points_entry"
    __table_args__ = (
        sa.Index("ix_points_org_created", "org_id", "created_at"),
        sa.Index("ix_points_member_day_reason", "membership_id", "day", "reason"),
        sa.Index("ix_points_member_created", "membership_id", "created_at"),
        # One entry per source row: re-running an award never pays twice.
        sa.UniqueConstraint("reason", "share_id"),
        sa.UniqueConstraint("reason", "click_id"),
        # Other sources name themselves in `ref` ("idea:12", "redemption:5"…): paid once each.
        sa.UniqueConstraint("reason", "ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("membership.id", ondelete="CASCADE"), index=True)
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(24))
    note: Mapped[str] = mapped_column(sa.String(255), default="")
    share_id: Mapped[int | None] = mapped_column(sa.ForeignKey("share.id", ondelete="SET NULL"))
    click_id: Mapped[int | None] = mapped_column(sa.ForeignKey("click.id", ondelete="SET NULL"))
    ref: Mapped[str | None] = mapped_column(sa.String(64))
    day: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    membership: Mapped[Membership] = relationship()  # noqa: F821
