"""Pulse emails: the invitation with one-click score links, one reminder, and the rounds of recurring pulses.

Like the customer survey reminders (reminders.py): each participation is claimed by a conditional UPDATE
(`emailed_at` / `reminded_at IS NULL`) in the same transaction as its outbox row, so two workers send one
email. A reminder goes to who has not answered, halfway through the round (at least one day after the
invitation), while the round is open. Recurring pulses get their next round a month or a quarter after
the previous one opened (`open_due_rounds`, run by the worker).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...infra.database import changed_rows
from ...infra.email import send_email
from ...infra.urls import absolute_url
from ...models import (
    Membership,
    Organization,
    Pulse,
    PulseParticipation,
    PulseRecurrence,
    PulseRound,
    PulseStatus,
    utcnow,
)
from . import pulses
from .surveys import choose_language

BATCH = 500
MONTHS = {PulseRecurrence.MONTHLY: 1, PulseRecurrence.QUARTERLY: 3}


def score_links(participation: PulseParticipation) -> list[tuple[int, str]]:
    return [(score, absolute_url("pulses.by_token", token=participation.token, score=score)) for score in range(11)]


def _email(participation: PulseParticipation, *, reminder: bool) -> None:
    membership = db.session.get_one(Membership, participation.membership_id)
    org = db.session.get_one(Organization, participation.org_id)
    rnd = participation.round
    lang = choose_language(membership.user.locale, org.default_locale)
    with force_locale(lang):
        subject = str(_l("Reminder: how is working at %(org)s?", org=org.name) if reminder
                      else _l("How is working at %(org)s? One click, anonymous", org=org.name))
    send_email(to=membership.user.email, subject=subject, template="pulse_invitation", org_id=org.id, locale=lang,
               org=org, reminder=reminder, links=score_links(participation), closes_on=rnd.closes_on,
               question=pulses.text_in(rnd.pulse.question, lang, pulses.DEFAULT_QUESTION),
               page_link=absolute_url("pulses.by_token", token=participation.token))


def rounds_to_send(*, now: datetime | None = None) -> list[int]:
    """Open rounds (of open pulses) that may still have invitations to email."""
    now = now or utcnow()
    rounds = db.session.scalars(sa.select(PulseRound).join(Pulse, Pulse.id == PulseRound.pulse_id).where(
        Pulse.status == PulseStatus.OPEN, PulseRound.opened_at <= now,
        PulseRound.id.in_(sa.select(PulseParticipation.round_id).where(PulseParticipation.emailed_at.is_(None)))))
    return [rnd.id for rnd in rounds if pulses.is_open(rnd, db.session.get_one(Organization, rnd.org_id), now)]


def unsent(*, round_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(PulseParticipation.id).where(
        PulseParticipation.round_id == round_id, PulseParticipation.emailed_at.is_(None),
        PulseParticipation.answered.is_(False)).order_by(PulseParticipation.id).limit(BATCH)))


def _claim_and_email(participation_id: int, column: str, *, reminder: bool, now: datetime | None) -> bool:
    """Set `column` (emailed_at / reminded_at) if still empty on an unanswered participation, then email;
    False when another worker or an answer came first. The caller commits (claim and outbox row together)."""
    stamp = getattr(PulseParticipation, column)
    if not changed_rows(sa.update(PulseParticipation).where(
            PulseParticipation.id == participation_id, stamp.is_(None),
            PulseParticipation.answered.is_(False)).values({column: now or utcnow()})):
        return False
    participation = db.session.get_one(PulseParticipation, participation_id)
    db.session.refresh(participation)
    _email(participation, reminder=reminder)
    return True


def send_invitation(*, participation_id: int, now: datetime | None = None) -> bool:
    return _claim_and_email(participation_id, "emailed_at", reminder=False, now=now)


def due_reminders(*, now: datetime | None = None) -> list[int]:
    """Participations to remind: emailed, not answered, not reminded, past half of an open round."""
    now = now or utcnow()
    due: list[int] = []
    rounds = db.session.scalars(sa.select(PulseRound).join(Pulse, Pulse.id == PulseRound.pulse_id)
                                .where(Pulse.status == PulseStatus.OPEN).order_by(PulseRound.id))
    for rnd in rounds:
        org = db.session.get_one(Organization, rnd.org_id)
        if not pulses.is_open(rnd, org, now):
            continue
        after = timedelta(days=max(1, rnd.pulse.days_open // 2))
        due.extend(db.session.scalars(sa.select(PulseParticipation.id).where(
            PulseParticipation.round_id == rnd.id, PulseParticipation.answered.is_(False),
            PulseParticipation.emailed_at.is_not(None), PulseParticipation.emailed_at <= now - after,
            PulseParticipation.reminded_at.is_(None)).order_by(PulseParticipation.id).limit(BATCH)))
    return due


def remind(*, participation_id: int, now: datetime | None = None) -> bool:
    return _claim_and_email(participation_id, "reminded_at", reminder=True, now=now)


def _add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, 28)
    return moment.replace(year=year, month=month, day=day)


def due_pulses(*, now: datetime | None = None) -> list[int]:
    """Recurring open pulses whose last round opened a month (monthly) or a quarter (quarterly) ago."""
    now = now or utcnow()
    last = (sa.select(PulseRound.pulse_id, sa.func.max(PulseRound.opened_at).label("opened"))
            .group_by(PulseRound.pulse_id).subquery())
    rows = db.session.execute(sa.select(Pulse.id, Pulse.recurrence, last.c.opened)
                              .join(last, last.c.pulse_id == Pulse.id)
                              .where(Pulse.status == PulseStatus.OPEN, Pulse.paused_at.is_(None),
                                     Pulse.recurrence.in_(list(MONTHS))))
    return [pulse_id for pulse_id, recurrence, opened in rows if _add_months(opened, MONTHS[recurrence]) <= now]


def open_next_round(*, pulse_id: int, now: datetime | None = None) -> PulseRound | None:
    """Open the pulse's next round if it is still due (a second worker finds it is not). The caller commits."""
    now = now or utcnow()
    if pulse_id not in due_pulses(now=now):
        return None
    pulse = db.session.get_one(Pulse, pulse_id)
    return pulses.open_round(pulse=pulse, org=db.session.get_one(Organization, pulse.org_id), now=now)
