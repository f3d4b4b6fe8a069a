"""One reminder to invitees who have not answered, a number of days (set per survey) after their invitation.

The manager sets "remind after N days" (1–30) or off on the survey's invitations section. The worker's
`send_survey_reminders` job emails each invitation that is due exactly one reminder: in the respondent's
language, with the same one-click score links (services/nps/invitations.py), kept in the outbox like
every email (sent through SMTP when it is configured). Due means: the survey is open and has reminders
on, the invitation was emailed at least N days ago and at most N + REMIND_WINDOW_DAYS days ago (turning
reminders on for an old survey does not write to people invited months ago), it has no answer, no
reminder yet, and the respondent has not unsubscribed.

Never twice: each invitation is claimed by a conditional UPDATE (``reminded_at IS NULL``) in the
same transaction as its outbox row, so two workers running the job at once send one reminder.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_ngettext
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...infra.database import changed_rows
from ...models import Respondent, Survey, SurveyInvitation, SurveyStatus, utcnow
from . import invitations, surveys

MIN_DAYS, MAX_DAYS = 1, 30
REMIND_WINDOW_DAYS = 14
BATCH = 200  # invitations per survey per run; the next run takes the rest


def set_reminder(*, survey: Survey, days: int | None) -> Survey:
    """Turn reminders on (`days` after the invitation) or off (None)."""
    if days is not None and not MIN_DAYS <= days <= MAX_DAYS:
        raise surveys.SurveyError(lazy_ngettext("Choose between %(low)d and %(num)d day, or no reminder.",
                                                "Choose between %(low)d and %(num)d days, or no reminder.",
                                                MAX_DAYS, low=MIN_DAYS), field="days")
    survey.remind_after_days = days
    db.session.flush()
    return survey


def _due(survey: Survey, now: datetime):
    days = survey.remind_after_days or 0
    return (sa.select(SurveyInvitation.id)
            .join(Respondent, Respondent.id == SurveyInvitation.respondent_id)
            .where(SurveyInvitation.org_id == survey.org_id, SurveyInvitation.survey_id == survey.id,
                   SurveyInvitation.sent_at.is_not(None),
                   SurveyInvitation.sent_at <= now - timedelta(days=days),
                   SurveyInvitation.sent_at > now - timedelta(days=days + REMIND_WINDOW_DAYS),
                   SurveyInvitation.answered_at.is_(None), SurveyInvitation.reminded_at.is_(None),
                   Respondent.unsubscribed_at.is_(None))
            .order_by(SurveyInvitation.sent_at, SurveyInvitation.id).limit(BATCH))


def due_reminders(*, now: datetime | None = None) -> list[int]:
    """Ids of the invitations whose reminder is due (at most BATCH per survey; the next run takes the rest)."""
    now = now or utcnow()
    due: list[int] = []
    for survey in db.session.scalars(sa.select(Survey).where(
            Survey.status == SurveyStatus.OPEN, Survey.remind_after_days.is_not(None)).order_by(Survey.id)).all():
        due.extend(db.session.scalars(_due(survey, now)))
    return due


def remind(*, invitation_id: int, now: datetime | None = None) -> bool:
    """Claim one invitation and email its reminder; False when another worker (or an answer) came first.

    The caller commits: the claim and the outbox row go together."""
    claimed = changed_rows(sa.update(SurveyInvitation)
                           .where(SurveyInvitation.id == invitation_id, SurveyInvitation.reminded_at.is_(None),
                                  SurveyInvitation.answered_at.is_(None))
                           .values(reminded_at=now or utcnow()))
    if not claimed:
        return False
    invitation = db.session.get_one(SurveyInvitation, invitation_id)
    db.session.refresh(invitation)
    return invitations.send_invitation(invitation=invitation, reminder=True)


def invitations_query(*, survey: Survey) -> sa.Select:
    """The survey's invitations, newest first, with their respondent: who was invited, reminded, answered."""
    return (sa.select(SurveyInvitation)
            .where(SurveyInvitation.org_id == survey.org_id, SurveyInvitation.survey_id == survey.id)
            .options(joinedload(SurveyInvitation.respondent))
            .order_by(SurveyInvitation.created_at.desc(), SurveyInvitation.id.desc()))


def reminder_counts(*, survey: Survey) -> dict[str, int]:
    """How many invitations were reminded, and how many of those answered after their reminder."""
    where = (SurveyInvitation.org_id == survey.org_id, SurveyInvitation.survey_id == survey.id,
             SurveyInvitation.reminded_at.is_not(None))
    reminded = db.session.scalar(sa.select(sa.func.count()).where(*where)) or 0
    answered = db.session.scalar(sa.select(sa.func.count()).where(
        *where, SurveyInvitation.answered_at > SurveyInvitation.reminded_at)) or 0
    return {"reminded": int(reminded), "answered_after": int(answered)}
