"""eNPS beside customer NPS over the same periods, per team where both exist.

A pulse round stands for its calendar period: the month (monthly pulses) or the quarter (quarterly) it
opened in, or its own answering window (one-off pulses). Customer NPS is taken over exactly that period
(local midnights of the organization, results.summary_between). Per team: a team's eNPS (only where the
anonymity rules of pulse_results show it) beside the customer answers of the segment or store the team is
paired with (`Team.customer_place`, set on the comparison page: the team "Kitchen" and the store "Ghent
Korenmarkt"); a team not paired is matched with the segment or store of its own name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import ServiceError
from ...extensions import db
from ...models import Organization, Pulse, PulseRecurrence, PulseRound, SurveyResponse, Team
from ..analytics.periods import local_midnight_utc
from ..community.points import local_day
from .pulse_results import min_group, pulse_teams, total_of, visible_units
from .results import NpsScore, _counts, _score, summary_between


class PairingError(ServiceError):
    code = "team_pairing"


@dataclass
class TeamPair:
    team_id: int
    name: str
    employee: NpsScore
    customer: NpsScore
    place: str = ""  # the segment or store the customers were taken from


@dataclass
class PeriodPair:
    round: PulseRound
    first_day: date
    last_day: date
    employee: NpsScore | None  # None: hidden (fewer answers than the threshold)
    customer: NpsScore
    teams: list[TeamPair] = field(default_factory=list)


def period_of(rnd: PulseRound, pulse: Pulse, org: Organization) -> tuple[date, date]:
    opened = local_day(org, rnd.opened_at)
    if pulse.recurrence == PulseRecurrence.MONTHLY:
        first = opened.replace(day=1)
        after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    elif pulse.recurrence == PulseRecurrence.QUARTERLY:
        first = date(opened.year, 3 * ((opened.month - 1) // 3) + 1, 1)
        month = first.month + 3
        after = date(first.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    else:
        return opened, rnd.closes_on
    return first, after - timedelta(days=1)


def _customer_by_place(org: Organization, start, end, names: set[str]) -> dict[str, NpsScore]:
    """Customer NPS per lower-cased segment or store name among `names`, in [start, end)."""
    found: dict[str, NpsScore] = {}
    for column in (SurveyResponse.segment, SurveyResponse.store):
        key = sa.func.lower(column)
        rows = db.session.execute(sa.select(key.label("key"), *_counts()).where(
            SurveyResponse.org_id == org.id, SurveyResponse.created_at >= start, SurveyResponse.created_at < end,
            key.in_(names)).group_by(key))
        for row in rows:
            found.setdefault(row.key, _score(row))  # segment first; a store of the same name is the same place
    return found


def place_of(team: Team) -> str:
    """The customer segment or store a team is compared with: its pairing, else its own name."""
    return team.customer_place or team.name


def customer_places(*, org: Organization) -> list[str]:
    """The segments and stores the organization's customer answers carry, sorted, each once (any case)."""
    found: dict[str, str] = {}
    for column in (SurveyResponse.segment, SurveyResponse.store):
        for value in db.session.scalars(sa.select(column).where(SurveyResponse.org_id == org.id, column != "")
                                        .distinct()):
            found.setdefault(value.lower(), value)
    return sorted(found.values(), key=str.lower)


def pair_teams(*, org: Organization, places: dict[int, str]) -> list[Team]:
    """Pair teams with a customer segment or store ("" = the one of the team's name); all or nothing."""
    known = {p.lower(): p for p in customer_places(org=org)}
    teams = {t.id: t for t in db.session.scalars(sa.select(Team).where(Team.org_id == org.id,
                                                                        Team.id.in_(list(places))))}
    if len(teams) != len(places):
        raise PairingError(_l("Choose teams of this organization."))
    for team_id, place in places.items():
        if (place or "").strip() and place.strip().lower() not in known:
            raise PairingError(_l("Choose a segment or store that your customer answers carry."),
                               field=f"place_{team_id}")
    for team_id, place in places.items():
        teams[team_id].customer_place = known.get((place or "").strip().lower(), "")
    db.session.flush()
    return list(teams.values())


def side_by_side(*, pulse: Pulse, org: Organization) -> list[PeriodPair]:
    if pulse.org_id != org.id:
        raise ValueError("pulse of another organization")
    k = min_group(org)
    units = visible_units(pulse=pulse, org=org)
    teams_of_pulse = pulse_teams(pulse)  # chosen, or (none chosen) those of the members asked
    names = {t.id: t.name for t in teams_of_pulse}
    shown_places = {t.id: place_of(t) for t in teams_of_pulse}
    places = {team_id: place.lower() for team_id, place in shown_places.items()}
    pairs = []
    for rnd in pulse.rounds:
        first, last = period_of(rnd, pulse, org)
        start, end = local_midnight_utc(org, first), local_midnight_utc(org, last + timedelta(days=1))
        round_units = units.get(rnd.id, [])
        total = total_of(round_units)
        customers = _customer_by_place(org, start, end, set(places.values()))
        teams = [TeamPair(u.team_id, names[u.team_id], u.score, customers[places[u.team_id]], shown_places[u.team_id])
                 for u in round_units if u.team_id in places and places[u.team_id] in customers]
        pairs.append(PeriodPair(round=rnd, first_day=first, last_day=last,
                                employee=total if total.responses >= k else None,
                                customer=summary_between(org_id=org.id, start=start, end=end),
                                teams=sorted(teams, key=lambda t: t.name)))
    return pairs


def customer_nps_beside(*, pulse: Pulse, org: Organization, round_id: int | None = None) -> NpsScore | None:
    """Customer NPS over the chosen round's period (None: from the first round's period to the last's), for the
    results page's "beside customer NPS" figure; None when the pulse has no round yet."""
    rounds = [r for r in pulse.rounds if round_id is None or r.id == round_id]
    if not rounds:
        return None
    periods = [period_of(r, pulse, org) for r in rounds]
    first, last = min(p[0] for p in periods), max(p[1] for p in periods)
    return summary_between(org_id=org.id, start=local_midnight_utc(org, first),
                           end=local_midnight_utc(org, last + timedelta(days=1)))
