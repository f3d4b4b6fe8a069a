"""NPS results: the score, its margin of error, response rate, trend and breakdowns.

Definitions (the results page says the same):

* Groups: promoters answered 9–10, passives 7–8, detractors 0–6.
* NPS = % promoters − % detractors, from −100 to +100; no answers → no score.
* Margin of error (95%): with p_p and p_d the promoter and detractor shares of n answers,
  the standard error of NPS is ``sqrt((p_p + p_d − (p_p − p_d)²) / n) × 100`` (the variance of
  a variable that is +1 for a promoter, 0 for a passive and −1 for a detractor), and the
  margin is ``1.96 × SE`` NPS points. Below ``MIN_FOR_MARGIN`` (10) answers there is no margin:
  the page says "too few answers". With n < 10 the normal approximation behind ±1.96 SE breaks
  down — one answer moves the score by more than 10 points, the interval runs past the −100…+100
  scale (2 answers, one promoter and one detractor: ±139) and a segment whose answers all fall in
  one group gets ±0, which reads as certainty. From 10 answers the widest possible margin is ±62.
  Below ``SMALL_SAMPLE`` (30) answers the overall score also gets a "small sample" note.
* Response rate: invitations answered / invitations sent (emailed). Answers given on the
  public page have no invitation and are counted separately.
* Trend: per week (Monday to Sunday) and per month, from the period of the first answer (no
  empty periods before it; at most the last 12), in the organization's time zone — the
  buckets are local midnights converted to UTC, so they are exact across daylight saving
  and the same on SQLite and PostgreSQL.
Every count is aggregated in SQL, scoped to the organization.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ...extensions import db
from ...models import Organization, Survey, SurveyInvitation, SurveyResponse, utcnow
from ..analytics.periods import local_midnight_utc
from ..community.points import local_day

SMALL_SAMPLE = 30
MIN_FOR_MARGIN = 10  # fewer answers: "too few answers" instead of a ± (see the module's docstring)
Z_95 = 1.96
TREND_WEEKS = 12
TREND_MONTHS = 12
BREAKDOWNS = ("segment", "store", "employee", "survey")


@dataclass(frozen=True)
class NpsScore:
    responses: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    def percent(self, count: int) -> float:
        return 100 * count / self.responses if self.responses else 0.0

    @property
    def nps(self) -> float | None:
        """Exact NPS (None without answers)."""
        if not self.responses:
            return None
        return self.percent(self.promoters) - self.percent(self.detractors)

    @property
    def score(self) -> int | None:
        """NPS rounded to a whole number, halves away from zero (as NPS is usually reported)."""
        value = self.nps
        if value is None:
            return None
        return int(math.copysign(math.floor(abs(value) + 0.5), value))

    @property
    def standard_error(self) -> float | None:
        if not self.responses:
            return None
        p_p, p_d = self.promoters / self.responses, self.detractors / self.responses
        variance = max(p_p + p_d - (p_p - p_d) ** 2, 0.0)
        return math.sqrt(variance / self.responses) * 100

    @property
    def margin(self) -> float | None:
        """Half-width of the 95% interval, in NPS points; None below MIN_FOR_MARGIN answers."""
        se = self.standard_error
        return None if se is None or self.too_few else Z_95 * se

    @property
    def too_few(self) -> bool:
        """Some answers, but too few for a margin of error."""
        return 0 < self.responses < MIN_FOR_MARGIN

    @property
    def small_sample(self) -> bool:
        return 0 < self.responses < SMALL_SAMPLE


@dataclass(frozen=True)
class Bucket:
    label: str
    score: NpsScore
    start: date | None = None


@dataclass(frozen=True)
class ResponseRate:
    sent: int
    answered: int
    public_answers: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.answered / self.sent) if self.sent else None


@dataclass
class Results:
    overall: NpsScore
    rate: ResponseRate
    weeks: list[Bucket] = field(default_factory=list)
    months: list[Bucket] = field(default_factory=list)
    breakdowns: dict[str, list[Bucket]] = field(default_factory=dict)
    first_answer_at: datetime | None = None


def _counts(group=SurveyResponse.group):
    """Answers and the size of each group, as SQL aggregates over `group` (a group column)."""
    return (sa.func.count().label("n"),
            sa.func.coalesce(sa.func.sum(sa.case((group == "promoter", 1), else_=0)), 0).label("p"),
            sa.func.coalesce(sa.func.sum(sa.case((group == "passive", 1), else_=0)), 0).label("m"),
            sa.func.coalesce(sa.func.sum(sa.case((group == "detractor", 1), else_=0)), 0).label("d"))


def _score(row) -> NpsScore:
    return NpsScore(responses=int(row.n), promoters=int(row.p), passives=int(row.m), detractors=int(row.d))


def _scope(org_id: int, survey_id: int | None) -> list:
    where = [SurveyResponse.org_id == org_id]
    if survey_id is not None:
        where.append(SurveyResponse.survey_id == survey_id)
    return where


def summary(*, org_id: int, survey_id: int | None = None) -> NpsScore:
    return _score(db.session.execute(sa.select(*_counts()).where(*_scope(org_id, survey_id))).one())


def summary_between(*, org_id: int, start: datetime, end: datetime) -> NpsScore:
    """Customer NPS of the answers given in [start, end) (UTC)."""
    return _score(db.session.execute(sa.select(*_counts()).where(
        *_scope(org_id, None), SurveyResponse.created_at >= start, SurveyResponse.created_at < end)).one())


def scores_by_survey(*, org_id: int) -> dict[int, NpsScore]:
    rows = db.session.execute(sa.select(SurveyResponse.survey_id.label("key"), *_counts())
                              .where(SurveyResponse.org_id == org_id).group_by(SurveyResponse.survey_id))
    return {row.key: _score(row) for row in rows}


def response_rate(*, org_id: int, survey_id: int | None = None) -> ResponseRate:
    inv = [SurveyInvitation.org_id == org_id, SurveyInvitation.sent_at.is_not(None)]
    if survey_id is not None:
        inv.append(SurveyInvitation.survey_id == survey_id)
    sent = sa.select(sa.func.count(SurveyInvitation.id)).where(*inv)
    answered = sa.select(sa.func.count(SurveyInvitation.id)).where(*inv, SurveyInvitation.answered_at.is_not(None))
    public = sa.select(sa.func.count(SurveyResponse.id)).where(*_scope(org_id, survey_id),
                                                               SurveyResponse.invitation_id.is_(None))
    row = db.session.execute(sa.select(sent.scalar_subquery(), answered.scalar_subquery(),
                                       public.scalar_subquery())).one()
    return ResponseRate(sent=int(row[0]), answered=int(row[1]), public_answers=int(row[2]))


def breakdown(*, org_id: int, by: str, survey_id: int | None = None) -> list[Bucket]:
    """NPS per segment / store / employee / survey, most answers first; "" is "not given"."""
    if by not in BREAKDOWNS:
        raise ValueError(by)
    if by == "survey":
        key = Survey.title
        stmt = sa.select(key.label("key"), *_counts()).join(Survey, Survey.id == SurveyResponse.survey_id)
        group_by: tuple = (Survey.id, Survey.title)
    else:
        key = getattr(SurveyResponse, by)
        stmt = sa.select(key.label("key"), *_counts())
        group_by = (key,)
    rows = db.session.execute(stmt.where(*_scope(org_id, survey_id)).group_by(*group_by)
                              .order_by(sa.func.count().desc(), key))
    return [Bucket(label=row.key or "", score=_score(row)) for row in rows]


def _week_starts(today: date, count: int) -> list[date]:
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=i) for i in range(count - 1, -1, -1)]


def _month_starts(today: date, count: int) -> list[date]:
    starts, year, month = [], today.year, today.month
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def first_answer_at(*, org_id: int, survey_id: int | None = None) -> datetime | None:
    return db.session.scalar(sa.select(sa.func.min(SurveyResponse.created_at)).where(*_scope(org_id, survey_id)))


def trend(*, org: Organization, unit: str, survey_id: int | None = None, now: datetime | None = None,
          count: int | None = None) -> list[Bucket]:
    """NPS per local week or month, oldest first, the current one last.

    The first period is the one of the first answer (at most `count` periods back): empty periods
    between answers are kept, none before them; no answers → no periods.
    """
    first = first_answer_at(org_id=org.id, survey_id=survey_id)
    if first is None:
        return []
    today = local_day(org, now or utcnow())
    first_day = min(local_day(org, first), today)
    if unit == "week":
        starts = _week_starts(today, count or TREND_WEEKS)
        first_start = first_day - timedelta(days=first_day.weekday())
        after_last = starts[-1] + timedelta(weeks=1)
    else:
        starts = _month_starts(today, count or TREND_MONTHS)
        first_start = first_day.replace(day=1)
        after_last = _next_month(starts[-1])
    starts = [start for start in starts if start >= first_start]
    bounds = [local_midnight_utc(org, day) for day in [*starts, after_last]]
    at = SurveyResponse.created_at
    index = sa.case(*[(at < bound, i) for i, bound in enumerate(bounds[1:])], else_=None).label("idx")
    indexed = sa.select(index, SurveyResponse.group).where(*_scope(org.id, survey_id), at >= bounds[0],
                                                           at < bounds[-1]).subquery()
    rows = db.session.execute(sa.select(indexed.c.idx, *_counts(indexed.c.group)).group_by(indexed.c.idx))
    by_index = {int(row.idx): _score(row) for row in rows}
    return [Bucket(label=start.isoformat(), start=start, score=by_index.get(i, NpsScore()))
            for i, start in enumerate(starts)]


def results(*, org: Organization, survey_id: int | None = None, now: datetime | None = None) -> Results:
    """Everything the results page shows, for one survey or (None) all of the organization's."""
    kinds = [k for k in BREAKDOWNS if k != "survey" or survey_id is None]
    return Results(
        overall=summary(org_id=org.id, survey_id=survey_id),
        rate=response_rate(org_id=org.id, survey_id=survey_id),
        weeks=trend(org=org, unit="week", survey_id=survey_id, now=now),
        months=trend(org=org, unit="month", survey_id=survey_id, now=now),
        breakdowns={k: breakdown(org_id=org.id, by=k, survey_id=survey_id) for k in kinds},
        first_answer_at=first_answer_at(org_id=org.id, survey_id=survey_id),
    )
