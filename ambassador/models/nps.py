"""NPS surveys: questions, invitations (email), responses and their answers."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, one_of, utcnow


class SurveyStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


SURVEY_STATUSES = tuple(SurveyStatus)


def nps_group(score: int) -> str:
    """promoter 9–10, passive 7–8, detractor 0–6."""
    if score >= 9:
        return "promoter"
    if score >= 7:
        return "passive"
    return "detractor"


class Survey(Model):
    __tablename__ = "survey"
    __table_args__ = (one_of("status", SurveyStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    status: Mapped[str] = mapped_column(sa.String(16), default=SurveyStatus.DRAFT)
    # Public link token for the survey page (embeddable); invitations have their own tokens.
    public_token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    # Wording per language: {"en": "...", "nl": "...", "fr": "..."}; empty → the default wording.
    question: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    follow_up_question: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Thank-you messages per group and language: {"promoter": {"en": ...}, "passive": …, "detractor": …}
    thank_you: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    invite_promoters: Mapped[bool] = mapped_column(default=True)  # invite 9–10 to join as ambassadors
    # Email one reminder to invitees who have not answered this many days after their invitation; None: off.
    remind_after_days: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    aspects: Mapped[list[SurveyAspect]] = relationship(back_populates="survey", cascade="all, delete-orphan",
                                                         order_by="SurveyAspect.position")


class SurveyAspect(Model):
    """An extra 0–10 rating (service, product, price…) for key-driver analysis."""

    __tablename__ = "survey_aspect"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # per language

    survey: Mapped[Survey] = relationship(back_populates="aspects")


class Respondent(Model):
    """A person we survey (from an uploaded list); personal data only where they gave it."""

    __tablename__ = "respondent"
    __table_args__ = (sa.UniqueConstraint("org_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    unsubscribed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyInvitation(Model):
    """One emailed invitation: one answer per invitation; the token is in the score links."""

    __tablename__ = "survey_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    respondent_id: Mapped[int] = mapped_column(sa.ForeignKey("respondent.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    segment: Mapped[str] = mapped_column(sa.String(80), default="")
    store: Mapped[str] = mapped_column(sa.String(80), default="")
    employee: Mapped[str] = mapped_column(sa.String(120), default="")
    sent_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]  # the one reminder (services/nps/reminders.py); never sent twice
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    respondent: Mapped[Respondent] = relationship()
    survey: Mapped[Survey] = relationship()


class SurveyResponse(Model):
    __tablename__ = "survey_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    # One answer per invitation (unique); public-page answers have none.
    invitation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_invitation.id", ondelete="SET NULL"),
                                                      unique=True)
    respondent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("respondent.id", ondelete="SET NULL"),
                                                      index=True)
    # An ambassador answering while logged in (counts for participation points).
    membership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("membership.id", ondelete="SET NULL"))
    score: Mapped[int]
    group: Mapped[str] = mapped_column(sa.String(10), index=True)  # promoter | passive | detractor
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    segment: Mapped[str] = mapped_column(sa.String(80), default="")
    store: Mapped[str] = mapped_column(sa.String(80), default="")
    employee: Mapped[str] = mapped_column(sa.String(120), default="")
    # Where a promoter who joined came from is on Membership.source ("nps:<survey id>").
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    survey: Mapped[Survey] = relationship()
    respondent: Mapped[Respondent | None] = relationship()
    aspect_scores: Mapped[list[AspectScore]] = relationship(cascade="all, delete-orphan")


class AspectScore(Model):
    __tablename__ = "aspect_score"
    __table_args__ = (sa.UniqueConstraint("response_id", "aspect_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_response.id", ondelete="CASCADE"), index=True)
    aspect_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_aspect.id", ondelete="CASCADE"), index=True)
    score: Mapped[int]
