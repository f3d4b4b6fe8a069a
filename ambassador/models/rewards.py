"""Rewards: a catalogue per organization, redemptions paid from the points ledger, and badges."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Model, one_of, utcnow

if TYPE_CHECKING:  # the other side of relationships, for the type checker only
    from .organization import Membership, Team


class Eligibility(enum.StrEnum):
    """Who may redeem a reward: everyone, or members of one kind."""

    ALL = "all"
    INTERNAL = "internal"
    EXTERNAL = "external"


ELIGIBILITIES = tuple(Eligibility)


class RedemptionStatus(enum.StrEnum):
    """requested → approved → fulfilled; requested/approved → refused (points returned) or canceled by the member."""

    REQUESTED = "requested"
    APPROVED = "approved"
    FULFILLED = "fulfilled"
    REFUSED = "refused"
    CANCELED = "canceled"


REDEMPTION_STATUSES = tuple(RedemptionStatus)
OPEN_REDEMPTION_STATUSES = (RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED)

reward_team = sa.Table(
    "reward_team",
    db.metadata,
    sa.Column("reward_id", sa.ForeignKey("reward.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("team_id", sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
)


class Reward(Model):
    """An item of the catalogue. `stock` None = unlimited; the database refuses a stock below zero."""

    __tablename__ = "reward"
    __table_args__ = (
        sa.CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        sa.CheckConstraint("points_cost > 0", name="cost_positive"),
        one_of("eligibility", Eligibility),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    points_cost: Mapped[int]
    stock: Mapped[int | None]
    eligibility: Mapped[str] = mapped_column(sa.String(16), default=Eligibility.ALL)
    image_path: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # Empty = every team (and members without a team); otherwise only members of one of these.
    teams: Mapped[list[Team]] = relationship(secondary=reward_team)  # noqa: F821


class Redemption(Model):
    """A member's claim on a reward; its points left the ledger when it was made."""

    __tablename__ = "redemption"
    __table_args__ = (sa.Index("ix_redemption_org_status", "org_id", "status"), one_of("status", RedemptionStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    reward_id: Mapped[int] = mapped_column(sa.ForeignKey("reward.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("membership.id", ondelete="CASCADE"), index=True)
    points: Mapped[int]  # what it cost when redeemed (the catalogue price may change later)
    reward_title: Mapped[str] = mapped_column(sa.String(160))  # as it was called then
    status: Mapped[str] = mapped_column(sa.String(16), default=RedemptionStatus.REQUESTED)
    refusal_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("membership.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    fulfilled_at: Mapped[datetime | None]

    reward: Mapped[Reward] = relationship()
    membership: Mapped[Membership] = relationship(foreign_keys=[membership_id])  # noqa: F821
    decided_by: Mapped[Membership | None] = relationship(foreign_keys=[decided_by_id])  # noqa: F821


class BadgeAward(Model):
    """A milestone a member reached (badge keys: services/community/badges.py); awarded once per member."""

    __tablename__ = "badge_award"
    __table_args__ = (sa.UniqueConstraint("membership_id", "badge"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("membership.id", ondelete="CASCADE"), index=True)
    badge: Mapped[str] = mapped_column(sa.String(32))
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)
