"""Employee NPS results that never single anyone out.

The organization's threshold k (`enps_min_group`, default 5, never below 3) is enforced here, not in
templates. The building blocks are *cells*: the answers of one team in one round.

1. A cell with fewer than k answers is hidden; a round's hidden cells are pooled as "other teams".
2. If that pool holds 1…k−1 answers (it could be read off as round total minus the shown teams), the
   smallest shown cells join it until it holds at least k, or every cell of the round is pooled.
3. A round with fewer than k answers in all is hidden whole.

Every figure, comment, keyword and driver the page shows is computed over a union of the visible
units (shown cells and pools, each 0 or ≥ k answers). Whatever filters a manager combines (round,
team) — and whatever two views they subtract from each other — the difference is again a union of
units, so no answer is ever seen in a group smaller than k.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ...extensions import db
from ...models import Organization, Pulse, PulseAnswer, PulseAspectAnswer, PulseParticipation, PulseRound, Team
from ...models.organization import membership_team
from ..org.settings import ENPS_MIN_GROUP_FLOOR
from .drivers import MIN_RESPONSES, pearson
from .results import NpsScore, _counts, _score
from .text import GROUPS, Keyword, extract_keywords

OTHER = "other"  # the label key of pooled teams
MAX_COMMENTS = 200


def min_group(org: Organization) -> int:
    return max(ENPS_MIN_GROUP_FLOOR, int(org.enps_min_group or 5))


def _add(a: NpsScore, b: NpsScore) -> NpsScore:
    return NpsScore(responses=a.responses + b.responses, promoters=a.promoters + b.promoters,
                    passives=a.passives + b.passives, detractors=a.detractors + b.detractors)


@dataclass(frozen=True)
class Unit:
    """A set of answers that may be shown: one team's cell, or a round's pool of hidden teams."""

    round_id: int
    team_id: int | None  # None: the pool ("other teams")
    score: NpsScore
    cell_team_ids: frozenset  # the cells it is made of (team id; None for answers without a team)


@dataclass
class RoundTrendPoint:
    round: PulseRound
    score: NpsScore | None  # None: hidden (fewer than k answers in the chosen scope)


@dataclass
class TeamRow:
    team_id: int | None  # None: the pooled "other teams"
    name: str
    score: NpsScore


@dataclass
class AspectDriver:
    aspect_id: int
    n: int
    correlation: float | None
    average: float | None


@dataclass
class PulseResults:
    threshold: int
    round_id: int | None
    team_id: int | None
    overall: NpsScore | None  # None: hidden (fewer than k answers in the scope)
    hidden_teams: list[str] = field(default_factory=list)  # named, never counted
    teams: list[TeamRow] = field(default_factory=list)
    trend: list[RoundTrendPoint] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    keywords: list[Keyword] = field(default_factory=list)
    drivers: list[AspectDriver] = field(default_factory=list)
    asked: int = 0  # members asked in the chosen round(s), all teams (participation, never answers)
    answered: int = 0

    @property
    def visible(self) -> bool:
        return self.overall is not None


def cells(*, pulse: Pulse) -> dict[int, dict[int | None, NpsScore]]:
    """{round id: {team id: score}} in one aggregate query."""
    rows = db.session.execute(
        sa.select(PulseAnswer.round_id, PulseAnswer.team_id, *_counts(PulseAnswer.group))
        .join(PulseRound, PulseRound.id == PulseAnswer.round_id)
        .where(PulseAnswer.org_id == pulse.org_id, PulseRound.pulse_id == pulse.id)
        .group_by(PulseAnswer.round_id, PulseAnswer.team_id))
    found: dict[int, dict[int | None, NpsScore]] = {}
    for row in rows:
        found.setdefault(row.round_id, {})[row.team_id] = _score(row)
    return found


def units_of_round(round_id: int, by_team: dict[int | None, NpsScore], k: int) -> list[Unit]:
    """The visible units of one round (steps 1–3 of the module's docstring); [] when the round is hidden."""
    total = sum(s.responses for s in by_team.values())
    if total < k:
        return []
    shown = sorted(((t, s) for t, s in by_team.items() if t is not None and s.responses >= k),
                   key=lambda ts: (ts[1].responses, ts[0]))
    pooled = [(t, s) for t, s in by_team.items() if t is None or s.responses < k]
    while 0 < sum(s.responses for _, s in pooled) < k and shown:
        pooled.append(shown.pop(0))  # secondary suppression: the smallest shown cell joins the pool
    units = [Unit(round_id, t, s, frozenset({t})) for t, s in shown]
    if pooled:
        score = NpsScore()
        for _, s in pooled:
            score = _add(score, s)
        units.append(Unit(round_id, None, score, frozenset(t for t, _ in pooled)))
    return units


def visible_units(*, pulse: Pulse, org: Organization) -> dict[int, list[Unit]]:
    k = min_group(org)
    return {rid: units_of_round(rid, by_team, k) for rid, by_team in cells(pulse=pulse).items()}


def total_of(units: list[Unit]) -> NpsScore:
    score = NpsScore()
    for unit in units:
        score = _add(score, unit.score)
    return score


def _answer_filter(units: list[Unit]):
    """SQL condition selecting exactly the answers of `units`."""
    parts = []
    for unit in units:
        teams = [t for t in unit.cell_team_ids if t is not None]
        team_cond = [PulseAnswer.team_id.in_(teams)] if teams else []
        if None in unit.cell_team_ids:
            team_cond.append(PulseAnswer.team_id.is_(None))
        parts.append(sa.and_(PulseAnswer.round_id == unit.round_id, sa.or_(*team_cond)))
    return sa.or_(*parts) if parts else sa.false()


def _drivers(pulse: Pulse, condition) -> list[AspectDriver]:
    pairs: dict[int, list[tuple[int, int]]] = {}
    rows = db.session.execute(
        sa.select(PulseAspectAnswer.aspect_id, PulseAspectAnswer.score, PulseAnswer.score)
        .join(PulseAnswer, PulseAnswer.id == PulseAspectAnswer.answer_id)
        .where(PulseAnswer.org_id == pulse.org_id, condition))
    for aspect_id, aspect_score, score in rows:
        pairs.setdefault(aspect_id, []).append((aspect_score, score))
    drivers = []
    for aspect in pulse.aspects:
        found = pairs.get(aspect.id, [])
        r = pearson([a for a, _ in found], [s for _, s in found]) if len(found) >= MIN_RESPONSES else None
        average = sum(a for a, _ in found) / len(found) if found else None
        drivers.append(AspectDriver(aspect_id=aspect.id, n=len(found), correlation=r, average=average))
    drivers.sort(key=lambda d: (d.correlation is None, -(d.correlation or 0.0), -d.n))
    return drivers


def pulse_teams(pulse: Pulse) -> list[Team]:
    """The teams a pulse is about: those chosen, or (none chosen) the teams of the members it asked."""
    if pulse.teams:
        return list(pulse.teams)
    asked = (sa.select(membership_team.c.team_id)
             .join(PulseParticipation, PulseParticipation.membership_id == membership_team.c.membership_id)
             .join(PulseRound, PulseRound.id == PulseParticipation.round_id)
             .where(PulseRound.pulse_id == pulse.id))
    return list(db.session.scalars(sa.select(Team).where(Team.org_id == pulse.org_id, Team.id.in_(asked))
                                   .order_by(Team.name)))


def pulse_results(*, pulse: Pulse, org: Organization, round_id: int | None = None,
                  team_id: int | None = None) -> PulseResults:
    """What a manager may see for the chosen round (None: all) and team (None: all teams)."""
    if pulse.org_id != org.id:
        raise ValueError("pulse of another organization")
    k = min_group(org)
    by_round = visible_units(pulse=pulse, org=org)
    rounds = [r for r in pulse.rounds if round_id is None or r.id == round_id]
    team_names = {t.id: t.name for t in db.session.scalars(sa.select(Team).where(Team.org_id == org.id))}

    def in_scope(unit: Unit) -> bool:
        return team_id is None or unit.team_id == team_id

    trend = []
    for rnd in pulse.rounds:
        units = [u for u in by_round.get(rnd.id, []) if in_scope(u)]
        total = total_of(units)
        trend.append(RoundTrendPoint(round=rnd, score=total if total.responses >= k else None))
    scope = [u for r in rounds for u in by_round.get(r.id, []) if in_scope(u)]
    overall = total_of(scope)
    asked, answered = db.session.execute(
        sa.select(sa.func.count(PulseParticipation.id),
                  sa.func.coalesce(sa.func.sum(sa.case((PulseParticipation.answered.is_(True), 1), else_=0)), 0))
        .where(PulseParticipation.org_id == org.id, PulseParticipation.round_id.in_([r.id for r in rounds]))).one()
    result = PulseResults(threshold=k, round_id=round_id, team_id=team_id,
                          overall=overall if overall.responses >= k else None, trend=trend,
                          asked=int(asked), answered=int(answered))
    if result.overall is None:
        return result
    if team_id is None:
        per_team: dict[int | None, NpsScore] = {}
        for unit in scope:
            per_team[unit.team_id] = _add(per_team.get(unit.team_id, NpsScore()), unit.score)
        result.teams = sorted((TeamRow(t, team_names.get(t, "") if t is not None else OTHER, s)
                               for t, s in per_team.items()), key=lambda row: (row.team_id is None, row.name))
        shown = {t for t in per_team if t is not None}
        result.hidden_teams = sorted(t.name for t in pulse_teams(pulse) if t.id not in shown)
    condition = _answer_filter(scope)
    rows = db.session.execute(sa.select(PulseAnswer.comment, PulseAnswer.language)
                              .where(PulseAnswer.org_id == org.id, condition, PulseAnswer.comment != "")
                              .order_by(PulseAnswer.id).limit(MAX_COMMENTS))  # random ids: no order of arrival
    pairs = [(text, lang) for text, lang in rows]
    result.comments = sorted(text for text, _ in pairs)
    result.keywords = extract_keywords(pairs)
    result.drivers = _drivers(pulse, condition)
    return result


__all__ = ["GROUPS", "OTHER", "PulseResults", "pulse_results", "min_group"]
