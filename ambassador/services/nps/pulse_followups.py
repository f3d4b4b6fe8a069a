"""Detractor themes of a closed pulse round become an anonymous follow-up for each team's manager(s).

When a round is closed (its last day has passed, or a manager closed it early) its answers are final, and
each team shown on its own in that round (pulse_results: at least k answers, not pooled) whose detractors
share a theme gets ONE `PulseFollowUp`: the themes, how many of the team's detractors mention each, and how
many answers and detractors the team gave. Nothing else:

* no member and no answer id — the row cannot lead back to anyone, and neither can who it is addressed to
  (worked out when shown or emailed: the team's managers, else the organization's);
* no comment, not even a short quote. The threshold protects scores; a sentence carries its writer's
  wording, their project, their shift — and this item goes to the one person who knows each member of the
  team best, by email, and stays after the round. A theme and a count are what the manager can take up with
  the whole team without anyone being singled out.

A theme is "shared" when at least `MIN_SHARED` detractors of the team mention it: one of the organization's
themes (services/nps/themes.py, matched in en/nl/fr) or, beyond those, a keyword of the detractors'
comments (services/nps/text.py). A round is checked once (`themes_checked_at`, claimed by a conditional
UPDATE in the same transaction as the rows it opens), so closing or recomputing twice opens nothing twice.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ...errors import ServiceError
from ...extensions import db
from ...infra.database import changed_rows
from ...infra.email import send_email
from ...infra.urls import absolute_url
from ...models import (
    ROLE_RANK,
    Membership,
    MemberStatus,
    Organization,
    Pulse,
    PulseAnswer,
    PulseFollowUp,
    PulseFollowUpStatus,
    PulseRound,
    Role,
    Team,
    utcnow,
)
from ...models.organization import membership_team
from .pulse_results import _answer_filter, visible_units
from .pulses import is_open
from .text import extract_keywords, matching_themes, org_matchers
from .themes import org_themes

MIN_SHARED = 2  # a theme one detractor raises is theirs, not the team's
MAX_KEYWORD_THEMES = 5
NOTE_MAX = 4000
MANAGER_ROLES = tuple(role for role, rank in ROLE_RANK.items() if rank >= ROLE_RANK[Role.MANAGER])


class PulseFollowUpError(ServiceError):
    code = "pulse_follow_up"


def shared_themes(comments: list[tuple[str, str]], *, org_id: int) -> list[dict]:
    """[{"theme": label, "detractors": n}] for themes at least MIN_SHARED of these comments mention: the
    organization's themes first, then keywords (by how many mention them) that are not already one."""
    matchers = org_matchers(org_id)
    names = {t.id: t.name for t in org_themes(org_id=org_id)}
    counted: Counter = Counter()
    for text, _lang in comments:
        counted.update(matching_themes(text, matchers))
    shared = sorted(((names[tid], n) for tid, n in counted.items() if n >= MIN_SHARED and tid in names),
                    key=lambda pair: (-pair[1], pair[0].lower()))
    taken = {name.lower() for name, _n in shared}
    keywords = [kw for kw in extract_keywords(comments) if kw.responses >= MIN_SHARED and kw.word.lower() not in taken]
    shared += [(kw.word, kw.responses) for kw in keywords[:MAX_KEYWORD_THEMES]]
    found = [{"theme": name, "detractors": n} for name, n in shared]
    return found


def team_detractor_themes(*, pulse: Pulse, org: Organization, round_id: int, team_id: int) -> list[dict] | None:
    """The shared detractor themes of a team in a round; None when the team is not shown on its own there."""
    units = [u for u in visible_units(pulse=pulse, org=org).get(round_id, []) if u.team_id == team_id]
    if not units:
        return None
    rows = db.session.execute(sa.select(PulseAnswer.comment, PulseAnswer.language)
                              .where(PulseAnswer.org_id == org.id, _answer_filter(units),
                                     PulseAnswer.group == "detractor", PulseAnswer.comment != ""))
    return shared_themes([(text, lang) for text, lang in rows], org_id=org.id)


def addressees(*, team: Team) -> list[Membership]:
    """The team's active managers (and admins); a team without one: the organization's."""
    base = (sa.select(Membership).where(Membership.org_id == team.org_id, Membership.status == MemberStatus.ACTIVE,
                                        Membership.role.in_(MANAGER_ROLES)).order_by(Membership.id))
    in_team = list(db.session.scalars(base.join(membership_team, membership_team.c.membership_id == Membership.id)
                                      .where(membership_team.c.team_id == team.id)))
    return in_team or list(db.session.scalars(base))


def open_for_round(*, rnd: PulseRound, org: Organization, now: datetime | None = None) -> list[PulseFollowUp]:
    """Open the follow-ups of a closed round (once); [] while it is open or when it was already checked."""
    if rnd.org_id != org.id or rnd.themes_checked_at is not None or is_open(rnd, org, now):
        return []
    if not changed_rows(sa.update(PulseRound).where(PulseRound.id == rnd.id, PulseRound.themes_checked_at.is_(None))
                        .values(themes_checked_at=now or utcnow()).execution_options(synchronize_session=False)):
        return []  # another worker or request checked it first
    db.session.refresh(rnd)
    opened = []
    for unit in visible_units(pulse=rnd.pulse, org=org).get(rnd.id, []):
        if unit.team_id is None:
            continue  # the pool of small teams belongs to no team's manager
        themes = team_detractor_themes(pulse=rnd.pulse, org=org, round_id=rnd.id, team_id=unit.team_id)
        if not themes:
            continue
        follow_up = PulseFollowUp(org_id=org.id, round_id=rnd.id, team_id=unit.team_id, themes=themes,
                                  answers=unit.score.responses, detractors=unit.score.detractors)
        try:
            with db.session.begin_nested():
                db.session.add(follow_up)
        except IntegrityError:  # the unique (round, team): already there
            continue
        opened.append(follow_up)
        _email(follow_up, org)
    db.session.flush()
    return opened


def open_for_pulse(*, pulse: Pulse, org: Organization, now: datetime | None = None) -> int:
    """Catch up on a pulse's closed rounds not checked yet (the results page calls it: nothing depends on the
    worker having run); how many rounds were checked (the caller commits when any was)."""
    due = [rnd for rnd in pulse.rounds if rnd.themes_checked_at is None and not is_open(rnd, org, now)]
    for rnd in due:
        open_for_round(rnd=rnd, org=org, now=now)
    return len(due)


def rounds_to_check(*, now: datetime | None = None) -> list[int]:
    """Rounds whose themes were not checked and that are closed now (early, by date, or their pulse closed)."""
    now = now or utcnow()
    candidates = db.session.scalars(sa.select(PulseRound).where(
        PulseRound.themes_checked_at.is_(None),
        sa.or_(PulseRound.closed_at.is_not(None), PulseRound.closes_on < (now + timedelta(days=1)).date()))
        .order_by(PulseRound.id))
    return [rnd.id for rnd in candidates if not is_open(rnd, db.session.get_one(Organization, rnd.org_id), now)]


def open_for_round_id(*, round_id: int, now: datetime | None = None) -> int:
    """The worker's step for one round (rounds_to_check); how many follow-ups were opened."""
    rnd = db.session.get_one(PulseRound, round_id)
    return len(open_for_round(rnd=rnd, org=db.session.get_one(Organization, rnd.org_id), now=now))


def _email(follow_up: PulseFollowUp, org: Organization) -> None:
    team = db.session.get_one(Team, follow_up.team_id)
    for manager in addressees(team=team):
        send_email(to=manager.user.email, subject=_l("What team %(team)s raised in the employee pulse", team=team.name),
                   template="pulse_follow_up", org_id=org.id, locale=manager.user.locale or org.default_locale,
                   org=org, team=team, follow_up=follow_up,
                   link=absolute_url("pulses.follow_up", follow_up_id=follow_up.id))


def follow_ups(*, org: Organization, status: str = "", pulse_id: int | None = None) -> list[PulseFollowUp]:
    """The organization's team follow-ups (of one pulse), open ones first, newest first."""
    stmt = sa.select(PulseFollowUp).where(PulseFollowUp.org_id == org.id)
    if pulse_id is not None:
        stmt = stmt.join(PulseRound, PulseRound.id == PulseFollowUp.round_id).where(PulseRound.pulse_id == pulse_id)
    if status in tuple(PulseFollowUpStatus):
        stmt = stmt.where(PulseFollowUp.status == status)
    done_last = sa.case((PulseFollowUp.status == PulseFollowUpStatus.RESOLVED, 1), else_=0)
    return list(db.session.scalars(stmt.order_by(done_last, PulseFollowUp.created_at.desc(), PulseFollowUp.id.desc())))


def update(*, follow_up: PulseFollowUp, status: str, note: str, now: datetime | None = None) -> PulseFollowUp:
    """The manager's note (what was agreed with the team) and the status; resolving stamps the time."""
    if status not in tuple(PulseFollowUpStatus):
        raise PulseFollowUpError(_l("Unknown status."), field="status")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise PulseFollowUpError(_l("Keep the note under 4,000 characters."), field="note")
    if status == PulseFollowUpStatus.RESOLVED and follow_up.status != PulseFollowUpStatus.RESOLVED:
        follow_up.resolved_at = now or utcnow()
    elif status != PulseFollowUpStatus.RESOLVED:
        follow_up.resolved_at = None
    follow_up.status, follow_up.note = status, note
    db.session.flush()
    return follow_up
