"""Challenges: time-boxed contests on a goal (services/community/challenges.py), their winners and prizes, and
the announcements waiting for the chat channels (Slack/Teams)."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Model, one_of, utcnow

if TYPE_CHECKING:  # the other side of relationships, for the type checker only
    from .organization import Team
    from .rewards import Reward


class ChallengeGoal(enum.StrEnum):
    """What a challenge counts (the same rules as points and leaderboards)."""

    SHARES = "shares"
    CLICKS = "clicks"
    ENGAGEMENT = "engagement"
    POINTS = "points"
    ANSWERS = "answers"  # survey answers the member gave while signed in


class ChallengeMode(enum.StrEnum):
    INDIVIDUAL = "individual"
    TEAM = "team"


class ChallengeStatus(enum.StrEnum):
    """draft → scheduled (published by a manager) → running → ended (both moves by the worker)."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    ENDED = "ended"


class ChallengeKind(enum.StrEnum):
    """Which kind of member takes part."""

    ALL = "all"
    INTERNAL = "internal"
    EXTERNAL = "external"


challenge_team = sa.Table(
    "challenge_team",
    db.metadata,
    sa.Column("challenge_id", sa.ForeignKey("challenge.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("team_id", sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
)


class Challenge(Model):
    """A contest over whole org-local days `first_day` … `last_day` (the rollup cells' days)."""

    __tablename__ = "challenge"
    __table_args__ = (
        sa.Index("ix_challenge_org_status", "org_id", "status"),
        sa.CheckConstraint("last_day >= first_day", name="days_in_order"),
        sa.CheckConstraint("target IS NULL OR target > 0", name="target_positive"),
        one_of("goal", ChallengeGoal), one_of("mode", ChallengeMode), one_of("status", ChallengeStatus),
        one_of("kind", ChallengeKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    goal: Mapped[str] = mapped_column(sa.String(16))
    mode: Mapped[str] = mapped_column(sa.String(16), default=ChallengeMode.INDIVIDUAL)
    kind: Mapped[str] = mapped_column(sa.String(16), default=ChallengeKind.ALL)
    status: Mapped[str] = mapped_column(sa.String(16), default=ChallengeStatus.DRAFT)
    first_day: Mapped[date]
    last_day: Mapped[date]
    target: Mapped[int | None]  # the score each participant aims at (the progress bars); None: no target
    reward_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reward.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("membership.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    # Empty = every team (individual: every member, with a team or not).
    teams: Mapped[list[Team]] = relationship(secondary=challenge_team, order_by="Team.name")  # noqa: F821
    reward: Mapped[Reward | None] = relationship()  # noqa: F821


class ChallengeWinner(Model):
    """A participant (member or team) at rank 1 when the challenge ended, with its final score."""

    __tablename__ = "challenge_winner"
    __table_args__ = (sa.UniqueConstraint("challenge_id", "membership_id"),
                      sa.UniqueConstraint("challenge_id", "team_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("membership.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(160))  # as it was called then
    rank: Mapped[int]
    score: Mapped[int] = mapped_column(sa.BigInteger)


class ChallengePrize(Model):
    """The prize one member received from one challenge: a redemption of the catalogue reward (0 points), at most
    once per member and challenge (the primary key)."""

    __tablename__ = "challenge_prize"

    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge.id", ondelete="CASCADE"), primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True)
    redemption_id: Mapped[int | None] = mapped_column(sa.ForeignKey("redemption.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Announcement(Model):
    """A message for the organization's chat channels (Slack/Teams), kept until delivered: written in the
    transaction of the event it announces, once per (topic, ref); `delivered_at` is set by whatever delivers it."""

    __tablename__ = "announcement"
    __table_args__ = (sa.UniqueConstraint("topic", "ref"), sa.Index("ix_announcement_pending", "delivered_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(sa.String(32))  # "challenge_ended"
    ref: Mapped[str] = mapped_column(sa.String(64))  # "challenge:12"
    title: Mapped[str] = mapped_column(sa.String(255))
    text: Mapped[str] = mapped_column(sa.Text)  # plain text in the organization's language
    url: Mapped[str] = mapped_column(sa.String(500))  # absolute
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
