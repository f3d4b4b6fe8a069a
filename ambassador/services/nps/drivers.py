"""Key drivers: how each aspect rating (service, product, price…) moves with the recommend score.

For every aspect: the Pearson correlation between the aspect score and the 0–10 recommend score
over the responses that gave both, how many those are, and the average aspect score among
promoters, passives and detractors. One SQL query, arithmetic in Python (fine at survey scale).
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from ...extensions import db
from ...models import AspectScore, Survey, SurveyAspect, SurveyResponse
from .text import GROUPS

MIN_RESPONSES = 10  # below this a correlation says more about chance than about the aspect


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r of two equally long series; None when undefined (under two pairs, or no spread)."""
    n = len(xs)
    if n != len(ys) or n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass
class Driver:
    aspect: SurveyAspect
    n: int
    correlation: float | None  # None when not enough data or no spread
    averages: dict[str, float | None] = field(default_factory=dict)  # group → average aspect score

    @property
    def enough_data(self) -> bool:
        return self.n >= MIN_RESPONSES

    @property
    def gap(self) -> float | None:
        """Promoters' average minus detractors' average."""
        p, d = self.averages.get("promoter"), self.averages.get("detractor")
        return None if p is None or d is None else p - d

    def label(self, lang: str) -> str:
        labels = self.aspect.label or {}
        return labels.get(lang) or labels.get("en") or next((v for v in labels.values() if v), "") or "—"


def key_drivers(*, survey: Survey) -> list[Driver]:
    """One Driver per aspect of the survey, strongest correlation first; those without enough data last."""
    pairs: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(AspectScore.aspect_id, AspectScore.score, SurveyResponse.score, SurveyResponse.group)
        .join(SurveyResponse, SurveyResponse.id == AspectScore.response_id)
        .where(SurveyResponse.org_id == survey.org_id, SurveyResponse.survey_id == survey.id))
    for aspect_id, aspect_score, score, group in rows:
        pairs[aspect_id].append((aspect_score, score, group))
    drivers = []
    for aspect in db.session.scalars(sa.select(SurveyAspect).where(SurveyAspect.survey_id == survey.id)
                                     .order_by(SurveyAspect.position)):
        answers = pairs.get(aspect.id, [])
        n = len(answers)
        r = pearson([a for a, _, _ in answers], [s for _, s, _ in answers]) if n >= MIN_RESPONSES else None
        averages = {g: _mean([a for a, _, grp in answers if grp == g]) for g in GROUPS}
        drivers.append(Driver(aspect=aspect, n=n, correlation=r, averages=averages))
    drivers.sort(key=lambda d: (d.correlation is None, -(d.correlation or 0.0), -d.n))
    return drivers
