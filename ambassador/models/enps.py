"""Employee NPS pulses: anonymous answers kept apart from who took part.

Anonymity is built into the tables:

* `PulseParticipation` says who was asked in a round and whether they answered (for reminders and
  participation points) — and nothing about what they answered, nor when.
* `PulseAnswer` holds the score, comment and team of one answer — and no member, no timestamp (the
  round is its only time), and a random id, so neither an id sequence nor a clock links an answer to a
  participation row. On SQLite the table has no rowid (rows are kept in random-id order, not insertion
  order); the app never reads rows in physical order on PostgreSQL either.
"""
from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, one_of, utcnow
from .organization import Team


class PulseRecurrence(enum.StrEnum):
    ONCE = "once"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class PulseFollowUpStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class PulseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


def random_answer_id() -> str:
    return secrets.token_hex(16)


pulse_team = sa.Table(
    "pulse_team", Model.metadata,
    sa.Column("pulse_id", sa.ForeignKey("pulse.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("team_id", sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
)


class Pulse(Model):
    """An employee NPS survey for chosen teams of internal members (no teams: all internal members)."""

    __tablename__ = "pulse"
    __table_args__ = (one_of("recurrence", PulseRecurrence), one_of("status", PulseStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    # Wording per language ({"en": …, "nl": …, "fr": …}); empty → the default question.
    question: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    open_question: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    recurrence: Mapped[str] = mapped_column(sa.String(12), default=PulseRecurrence.ONCE)
    status: Mapped[str] = mapped_column(sa.String(8), default=PulseStatus.OPEN)
    days_open: Mapped[int] = mapped_column(default=14)  # how long each round takes answers
    # A paused recurring pulse opens no new round until resumed (its current round is not affected).
    paused_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    teams: Mapped[list[Team]] = relationship(secondary=pulse_team, order_by="Team.name")
    aspects: Mapped[list[PulseAspect]] = relationship(back_populates="pulse", cascade="all, delete-orphan",
                                                       order_by="PulseAspect.position")
    rounds: Mapped[list[PulseRound]] = relationship(back_populates="pulse", cascade="all, delete-orphan",
                                                     order_by="PulseRound.number")


class PulseAspect(Model):
    """An optional 0–10 rating (workload, growth, our products…) for key drivers."""

    __tablename__ = "pulse_aspect"

    id: Mapped[int] = mapped_column(primary_key=True)
    pulse_id: Mapped[int] = mapped_column(sa.ForeignKey("pulse.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    pulse: Mapped[Pulse] = relationship(back_populates="aspects")


class PulseRound(Model):
    """One sending of a pulse: who is asked is fixed when it opens."""

    __tablename__ = "pulse_round"
    __table_args__ = (sa.UniqueConstraint("pulse_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    pulse_id: Mapped[int] = mapped_column(sa.ForeignKey("pulse.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closes_on: Mapped[date]  # last day answers are taken (organization's time zone)
    closed_at: Mapped[datetime | None]  # closed early by a manager: no answers nor reminders after it
    # When the closed round's detractor themes were turned into team follow-ups (done once: answers are final).
    themes_checked_at: Mapped[datetime | None]

    pulse: Mapped[Pulse] = relationship(back_populates="rounds")


class PulseParticipation(Model):
    """Who was asked in a round and whether they answered — never what, nor when."""

    __tablename__ = "pulse_participation"
    __table_args__ = (sa.UniqueConstraint("round_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("pulse_round.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("membership.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)  # the one-click email links
    answered: Mapped[bool] = mapped_column(default=False)
    emailed_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]

    round: Mapped[PulseRound] = relationship()


class PulseAnswer(Model):
    """One anonymous answer: no member, no timestamp, a random id (see the module's docstring)."""

    __tablename__ = "pulse_answer"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=random_answer_id)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("pulse_round.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id", ondelete="SET NULL"))
    score: Mapped[int]
    group: Mapped[str] = mapped_column(sa.String(10))  # promoter | passive | detractor
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(5), default="en")


class PulseAspectAnswer(Model):
    __tablename__ = "pulse_aspect_answer"
    __table_args__ = ({"sqlite_with_rowid": False},)

    answer_id: Mapped[str] = mapped_column(sa.ForeignKey("pulse_answer.id", ondelete="CASCADE"), primary_key=True)
    aspect_id: Mapped[int] = mapped_column(sa.ForeignKey("pulse_aspect.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[int]


class PulseFollowUp(Model):
    """What a team's detractors raised in a closed round, for the team's manager(s) to take up with the team.

    Deliberately apart from `FollowUp` (one per customer answer, linked to the response and the respondent):
    this row holds a team, a round, the themes and counts — no member, no answer id, no comment. Who it is
    addressed to (the team's managers, else the organization's) is worked out when it is shown and emailed,
    so not even the managers' ids are kept on it.
    """

    __tablename__ = "pulse_follow_up"
    __table_args__ = (sa.UniqueConstraint("round_id", "team_id"), one_of("status", PulseFollowUpStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("pulse_round.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("team.id", ondelete="CASCADE"), index=True)
    # [{"theme": "workload", "detractors": 3}, …]: detractors of the team whose comment mentions the theme.
    themes: Mapped[list] = mapped_column(sa.JSON, default=list)
    answers: Mapped[int]  # answers of the team in the round
    detractors: Mapped[int]  # detractors of the team in the round
    status: Mapped[str] = mapped_column(sa.String(12), default=PulseFollowUpStatus.OPEN)
    note: Mapped[str] = mapped_column(sa.Text, default="")  # what the manager agreed with the team
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]

    round: Mapped[PulseRound] = relationship()
    team: Mapped[Team] = relationship()
