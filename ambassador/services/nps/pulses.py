"""Employee NPS pulses: create one, open its rounds, take each member's answer once per round.

Who took part (`PulseParticipation`) and what was answered (`PulseAnswer`) are written to separate
tables with nothing that links them: the answer row has no member, no time and a random id, and the
participation row only flips `answered` (see models/enps.py). Participation may earn points (the
organization's survey points, within the daily community cap); the answer itself never does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import ServiceError
from ...extensions import db
from ...infra.database import changed_rows
from ...infra.tokens import new_token
from ...models import (
    MemberKind,
    Membership,
    MemberStatus,
    Organization,
    Pulse,
    PulseAnswer,
    PulseAspect,
    PulseAspectAnswer,
    PulseParticipation,
    PulseRecurrence,
    PulseRound,
    PulseStatus,
    Team,
    nps_group,
    utcnow,
)
from ..community.points import award_for, local_day

DEFAULT_QUESTION = {
    "en": "How likely are you to recommend working here to a friend?",
    "nl": "Hoe waarschijnlijk is het dat je werken hier aan een vriend zou aanraden?",
    "fr": "Quelle est la probabilité que vous recommandiez de travailler ici à un ami ?",
}
MAX_COMMENT = 2000
MAX_ASPECTS = 8
POINTS_REASON = "pulse"


class PulseError(ServiceError):
    code = "pulse"


class PulseClosed(PulseError):
    code = "pulse_closed"
    status = 409


@dataclass
class PulseData:
    """What a manager enters (per-language texts as {lang: text})."""

    title: str
    team_ids: list[int] = field(default_factory=list)
    recurrence: str = PulseRecurrence.ONCE
    question: dict | None = None
    open_question: dict | None = None
    aspects: list[dict] = field(default_factory=list)  # [{"en": "Workload", "nl": …}, …]
    days_open: int = 14


def text_in(texts: dict | None, lang: str, default: dict | None = None) -> str:
    """The text in `lang`, else in English, else the default wording in `lang` (or English), else any."""
    texts, default = texts or {}, default or {}
    for value in (texts.get(lang), texts.get("en"), default.get(lang), default.get("en"),
                  *texts.values()):
        if value:
            return value
    return ""


def _checked(org: Organization, data: PulseData) -> tuple[str, list[Team], list[dict]]:
    """The title, teams and aspect labels of `data`, or a PulseError naming the field."""
    title = (data.title or "").strip()
    if not title:
        raise PulseError(_l("Give the pulse a title."), field="title")
    if len(title) > 160:
        raise PulseError(_l("The title is too long."), field="title")
    if data.recurrence not in tuple(PulseRecurrence):
        raise PulseError(_l("Choose once, monthly or quarterly."), field="recurrence")
    if not 1 <= data.days_open <= 60:
        raise PulseError(_l("A round stays open between 1 and 60 days."), field="days_open")
    labels = [{k: v.strip()[:80] for k, v in a.items() if v and v.strip()} for a in data.aspects]
    labels = [label for label in labels if label]
    if len(labels) > MAX_ASPECTS:
        raise PulseError(_l("Use at most 8 aspects."), field="aspects")
    teams = list(db.session.scalars(sa.select(Team).where(Team.org_id == org.id, Team.id.in_(data.team_ids or []))))
    if len(teams) != len(set(data.team_ids or [])):
        raise PulseError(_l("Choose teams of this organization."), field="team_ids")
    return title, teams, labels


def create_pulse(*, org: Organization, data: PulseData, created_by_id: int | None = None) -> Pulse:
    title, teams, labels = _checked(org, data)
    pulse = Pulse(org_id=org.id, title=title, question=dict(data.question or {}),
                  open_question=dict(data.open_question or {}), recurrence=data.recurrence,
                  days_open=data.days_open, created_by_id=created_by_id, teams=teams,
                  aspects=[PulseAspect(position=i, label=label) for i, label in enumerate(labels)])
    db.session.add(pulse)
    db.session.flush()
    return pulse


def eligible_members(pulse: Pulse) -> list[Membership]:
    """Active internal members of the pulse's teams (no teams: of the whole organization)."""
    stmt = sa.select(Membership).where(Membership.org_id == pulse.org_id, Membership.kind == MemberKind.INTERNAL,
                                       Membership.status == MemberStatus.ACTIVE)
    if pulse.teams:
        stmt = stmt.where(Membership.teams.any(Team.id.in_([t.id for t in pulse.teams])))
    return list(db.session.scalars(stmt.order_by(Membership.id)))


def open_round(*, pulse: Pulse, org: Organization, now: datetime | None = None) -> PulseRound:
    """A new round: everyone eligible now is asked (one participation row each, not yet emailed)."""
    if pulse.org_id != org.id:
        raise PulseError(_l("This pulse belongs to another organization."))
    if pulse.status != PulseStatus.OPEN:
        raise PulseClosed(_l("This pulse is closed."))
    now = now or utcnow()
    number = (db.session.scalar(sa.select(sa.func.max(PulseRound.number)).where(PulseRound.pulse_id == pulse.id))
              or 0) + 1
    rnd = PulseRound(org_id=org.id, pulse_id=pulse.id, number=number, opened_at=now,
                     closes_on=local_day(org, now) + timedelta(days=pulse.days_open - 1))
    db.session.add(rnd)
    db.session.flush()
    db.session.add_all(PulseParticipation(org_id=org.id, round_id=rnd.id, membership_id=m.id, token=new_token())
                       for m in eligible_members(pulse))
    db.session.flush()
    return rnd


def is_open(rnd: PulseRound, org: Organization, now: datetime | None = None) -> bool:
    return (rnd.closed_at is None and rnd.pulse.status == PulseStatus.OPEN
            and local_day(org, now or utcnow()) <= rnd.closes_on)


def open_participation(*, membership: Membership, pulse_id: int | None = None) -> PulseParticipation | None:
    """The member's participation in the newest round (of `pulse_id`, or of any pulse) they have not answered."""
    stmt = (sa.select(PulseParticipation).join(PulseRound, PulseRound.id == PulseParticipation.round_id)
            .join(Pulse, Pulse.id == PulseRound.pulse_id)
            .where(PulseParticipation.org_id == membership.org_id, PulseParticipation.membership_id == membership.id,
                   PulseParticipation.answered.is_(False), Pulse.status == PulseStatus.OPEN))
    if pulse_id is not None:
        stmt = stmt.where(Pulse.id == pulse_id)
    for participation in db.session.scalars(stmt.order_by(PulseRound.opened_at.desc())):
        if is_open(participation.round, membership.organization):
            return participation
    return None


def _answer_team(pulse: Pulse, membership: Membership) -> int | None:
    """The team the answer counts for: the member's first team (by id) among the pulse's teams."""
    pulse_team_ids = {t.id for t in pulse.teams}
    mine = sorted(t.id for t in membership.teams if not pulse_team_ids or t.id in pulse_team_ids)
    return mine[0] if mine else None


def _checked_score(value, field_name: str) -> int:
    try:
        score = int(value)
    except (TypeError, ValueError):
        raise PulseError(_l("Choose a score from 0 to 10."), field=field_name) from None
    if not 0 <= score <= 10:
        raise PulseError(_l("Choose a score from 0 to 10."), field=field_name)
    return score


def answer(*, participation: PulseParticipation, membership: Membership, score, comment: str = "",
           aspect_scores: dict[int, object] | None = None, language: str = "en",
           now: datetime | None = None) -> PulseAnswer:
    """Record the member's one answer in this round; award participation points (never for the score)."""
    org = membership.organization
    if participation.membership_id != membership.id or participation.org_id != membership.org_id:
        raise PulseError(_l("This pulse was not sent to you."))
    rnd = participation.round
    if not is_open(rnd, org, now):
        raise PulseClosed(_l("This round of the pulse is closed."))
    value = _checked_score(score, "score")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise PulseError(_l("Keep the comment under 2,000 characters."), field="comment")
    aspects = {a.id for a in rnd.pulse.aspects}
    ratings = {}
    for aspect_id, raw in (aspect_scores or {}).items():
        if raw in (None, ""):
            continue  # aspects are optional
        if int(aspect_id) not in aspects:
            raise PulseError(_l("Unknown aspect."), field="aspects")
        ratings[int(aspect_id)] = _checked_score(raw, f"aspect_{aspect_id}")
    # Claim the participation first (a conditional UPDATE): a second tab or a double click loses here.
    if not changed_rows(sa.update(PulseParticipation).where(PulseParticipation.id == participation.id,
                                                            PulseParticipation.answered.is_(False))
                        .values(answered=True).execution_options(synchronize_session=False)):
        raise PulseError(_l("You have already answered this round. Thank you!"))
    db.session.refresh(participation)
    row = PulseAnswer(org_id=org.id, round_id=rnd.id, team_id=_answer_team(rnd.pulse, membership), score=value,
                      group=nps_group(value), comment=comment, language=(language or "en")[:5])
    db.session.add(row)
    db.session.flush()
    db.session.add_all(PulseAspectAnswer(answer_id=row.id, aspect_id=a, score=s) for a, s in ratings.items())
    award_for(org=org, membership_id=membership.id, reason=POINTS_REASON, points=org.points_survey,
              cap=org.daily_community_points_cap, ref=f"pulse_participation:{participation.id}", at=now)
    db.session.flush()
    return row


def ask_for_sharing_nudge(*, membership: Membership, now: datetime | None = None) -> None:
    """A member (offered on a promoter's thank-you page) asks to be led towards sharing: the feed shows its
    "Get set up" steps again and a "start here" nudge. Only the wish is stored — no score, no pulse."""
    membership.share_nudge_at = membership.share_nudge_at or now or utcnow()
    membership.setup_dismissed_at = None
    db.session.flush()


def dismiss_sharing_nudge(*, membership: Membership) -> None:
    membership.share_nudge_at = None
    db.session.flush()
