"""Changing a pulse after it was created: its wording and teams (until the first answer), pausing a recurring
pulse, and closing the current round early.

Once anyone has answered, only the title may change: a question, a team or an aspect changed under existing
answers would mix answers to different questions in one result. Closing a round early makes its results
final at once — no more answers or reminders (pulses.is_open) — and opens the team follow-ups of its
detractor themes (pulse_followups).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...infra.tokens import new_token
from ...models import (
    Organization,
    Pulse,
    PulseAspect,
    PulseParticipation,
    PulseRecurrence,
    PulseRound,
    PulseStatus,
    utcnow,
)
from ..community.points import local_day
from . import pulse_followups
from .pulses import PulseClosed, PulseData, PulseError, _checked, eligible_members, is_open


def has_answers(pulse: Pulse) -> bool:
    return (db.session.scalar(sa.select(sa.func.count(PulseParticipation.id))
                              .join(PulseRound, PulseRound.id == PulseParticipation.round_id)
                              .where(PulseRound.pulse_id == pulse.id, PulseParticipation.answered.is_(True))) or 0) > 0


def data_of(pulse: Pulse) -> PulseData:
    return PulseData(title=pulse.title, team_ids=[t.id for t in pulse.teams], recurrence=pulse.recurrence,
                     question=dict(pulse.question or {}), open_question=dict(pulse.open_question or {}),
                     aspects=[dict(a.label) for a in pulse.aspects], days_open=pulse.days_open)


def current_round(pulse: Pulse, org: Organization, now: datetime | None = None) -> PulseRound | None:
    """The newest round while it still takes answers."""
    rounds = sorted(pulse.rounds, key=lambda r: r.number)
    return rounds[-1] if rounds and is_open(rounds[-1], org, now) else None


def _same_content(pulse: Pulse, data: PulseData, team_ids: set[int], labels: list[dict]) -> bool:
    before = data_of(pulse)
    return (before.recurrence == data.recurrence and before.days_open == data.days_open
            and before.question == dict(data.question or {}) and before.open_question == dict(data.open_question or {})
            and set(before.team_ids) == team_ids and before.aspects == labels)


def _kept_translations(pulse: Pulse, labels: list[dict]) -> list[dict]:
    """An aspect given again in one language (the form's one line per aspect) keeps its stored translations."""
    stored = {text: dict(a.label) for a in pulse.aspects for text in a.label.values()}
    return [stored.get(next(iter(label.values())), label) if len(label) == 1 else label for label in labels]


def _resync_participation(rnd: PulseRound, pulse: Pulse) -> None:
    """The open round asks whoever the new teams hold (nobody has answered yet: no answer is lost)."""
    wanted = {m.id for m in eligible_members(pulse)}
    asked = set(db.session.scalars(sa.select(PulseParticipation.membership_id)
                                   .where(PulseParticipation.round_id == rnd.id)))
    if asked - wanted:
        db.session.execute(sa.delete(PulseParticipation).where(
            PulseParticipation.round_id == rnd.id, PulseParticipation.answered.is_(False),
            PulseParticipation.membership_id.in_(asked - wanted)))
    db.session.add_all(PulseParticipation(org_id=rnd.org_id, round_id=rnd.id, membership_id=mid, token=new_token())
                       for mid in sorted(wanted - asked))


def update_pulse(*, pulse: Pulse, org: Organization, data: PulseData, now: datetime | None = None) -> Pulse:
    """New title, wording, teams, recurrence, days or aspects; after the first answer only the title."""
    if pulse.org_id != org.id:
        raise PulseError(_l("This pulse belongs to another organization."))
    title, teams, labels = _checked(org, data)
    labels = _kept_translations(pulse, labels)
    if not _same_content(pulse, data, {t.id for t in teams}, labels):
        if has_answers(pulse):
            raise PulseError(_l("Members have answered this pulse: only its title can change now. Create a new "
                                "pulse to ask something else."), field="title")
        pulse.question, pulse.open_question = dict(data.question or {}), dict(data.open_question or {})
        pulse.recurrence, pulse.days_open, pulse.teams = data.recurrence, data.days_open, teams
        if [dict(a.label) for a in pulse.aspects] != labels:
            pulse.aspects = [PulseAspect(position=i, label=label) for i, label in enumerate(labels)]
        db.session.flush()
        rnd = current_round(pulse, org, now)
        if rnd is not None:
            rnd.closes_on = local_day(org, rnd.opened_at) + timedelta(days=pulse.days_open - 1)
            _resync_participation(rnd, pulse)
    pulse.title = title
    db.session.flush()
    return pulse


def pause(*, pulse: Pulse, now: datetime | None = None) -> Pulse:
    """A recurring pulse opens no new round until resumed; its current round goes on."""
    if pulse.recurrence == PulseRecurrence.ONCE:
        raise PulseError(_l("Only a monthly or quarterly pulse can be paused."))
    if pulse.status != PulseStatus.OPEN:
        raise PulseClosed(_l("This pulse is closed."))
    pulse.paused_at = pulse.paused_at or now or utcnow()
    db.session.flush()
    return pulse


def resume(*, pulse: Pulse) -> Pulse:
    """The next round opens when it is due — at once if it became due during the pause."""
    pulse.paused_at = None
    db.session.flush()
    return pulse


def close_round(*, rnd: PulseRound, org: Organization, now: datetime | None = None) -> PulseRound:
    """Close a round before its last day: answers and reminders stop, results are final, follow-ups open."""
    if rnd.org_id != org.id:
        raise PulseError(_l("This pulse belongs to another organization."))
    if not is_open(rnd, org, now):
        raise PulseClosed(_l("This round is already closed."))
    rnd.closed_at = now or utcnow()
    db.session.flush()
    pulse_followups.open_for_round(rnd=rnd, org=org, now=now)
    return rnd
