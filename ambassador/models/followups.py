"""Answers to NPS survey answers: detractor follow-ups with notes, and messages sent to passives."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, one_of, utcnow

if TYPE_CHECKING:  # the other side of relationships, for the type checker only
    from .nps import SurveyResponse
    from .organization import Membership


class FollowUpStatus(enum.StrEnum):
    OPEN = "open"
    CONTACTED = "contacted"
    RESOLVED = "resolved"


FOLLOW_UP_STATUSES = tuple(FollowUpStatus)


class FollowUp(Model):
    """One per detractor answer (0–6): someone of the staff gets back to the customer."""

    __tablename__ = "follow_up"
    __table_args__ = (one_of("status", FollowUpStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_response.id", ondelete="CASCADE"), unique=True)
    assignee_membership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("membership.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=FollowUpStatus.OPEN, index=True)
    due_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    # "Closing the loop": the new invitation sent to the same respondent once resolved.
    resurvey_invitation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("survey_invitation.id", ondelete="SET NULL"))
    resurveyed_at: Mapped[datetime | None]

    response: Mapped[SurveyResponse] = relationship()  # noqa: F821
    assignee: Mapped[Membership | None] = relationship()  # noqa: F821
    notes: Mapped[list[FollowUpNote]] = relationship(back_populates="follow_up", cascade="all, delete-orphan",
                                                       order_by="FollowUpNote.created_at, FollowUpNote.id")

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.status != FollowUpStatus.RESOLVED and self.due_at < (now or utcnow())


class FollowUpNote(Model):
    __tablename__ = "follow_up_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(sa.ForeignKey("follow_up.id", ondelete="CASCADE"), index=True)
    author_membership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("membership.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    follow_up: Mapped[FollowUp] = relationship(back_populates="notes")
    author: Mapped[Membership | None] = relationship()  # noqa: F821


class PassiveMessage(Model):
    """A message (and/or a link) emailed to passives (7–8): the log of what was sent to how many."""

    __tablename__ = "passive_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey.id", ondelete="SET NULL"))
    sent_by_membership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("membership.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(sa.String(160))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    recipient_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sent_by: Mapped[Membership | None] = relationship()  # noqa: F821
