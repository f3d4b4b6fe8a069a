"""Chart specifications for static/js/charts.js (Chart.js, vendored under static/vendor/chartjs/).

A spec is plain JSON the page carries in a ``<script type="application/json">`` block (the CSP
allows no inline script): labels, datasets with a *style* name that charts.js turns into colours,
markers and dashes, and axis titles. Labels and dates are translated and formatted here, so the
chart says exactly what its data table says.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

from babel import dates as babel_dates
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from .. import networks
from ..services.analytics.engagement import DailyComparison, DailyEngagement
from ..services.analytics.trends import Comparison, DayStat, Slice
from ..services.nps.results import Bucket

DAY_FORMAT = "d MMM"


def network_labels() -> dict[str, str]:
    return {code: network.label for code, network in networks.NETWORKS.items()}


def day_labels(days: Iterable[date], pattern: str) -> dict[date, str]:
    """{day: label} in the request's language: Babel's format_date with the locale looked up once (the same text as
    the `dateformat` filter, which looks it up again for each of a 90-day table's 180 dates)."""
    locale = get_locale()
    return {day: babel_dates.format_date(day, pattern, locale=locale) for day in days}


def _days(days: Sequence[DayStat]) -> list[str]:
    labels = day_labels((d.day for d in days), DAY_FORMAT)
    return [labels[d.day] for d in days]


def comparison(data: Comparison, engagement: DailyComparison | None = None) -> dict:
    """Shares and counted clicks per day, this period (solid) against the previous one (dashed); engagement too,
    for each period where it is known (an unknown period has no line, not a line of zeros)."""
    datasets = [
        {"label": _("Shares"), "style": "shares", "data": [d.shares for d in data.current]},
        {"label": _("Counted clicks"), "style": "clicks", "data": [d.clicks for d in data.current]},
        {"label": _("Shares, previous period"), "style": "shares-previous",
         "data": [d.shares for d in data.previous]},
        {"label": _("Counted clicks, previous period"), "style": "clicks-previous",
         "data": [d.clicks for d in data.previous]},
    ]
    if engagement is not None and engagement.current.known:
        datasets.append({"label": _("Engagement"), "style": "engagement", "data": engagement.current.values})
    if engagement is not None and engagement.previous.known:
        datasets.append({"label": _("Engagement, previous period"), "style": "engagement-previous",
                         "data": engagement.previous.values})
    return {"type": "line", "labels": _days(data.current), "datasets": datasets,
            "y": {"title": _("Per day"), "integer": True}}


def daily(days: Sequence[DayStat], *, points: bool = False, engagement: DailyEngagement | None = None) -> dict:
    """Shares and counted clicks per day (and points earned, and engagement when known, when asked: on the same
    axis, one scale for all)."""
    datasets = [{"label": _("Shares"), "style": "shares", "data": [d.shares for d in days]},
                {"label": _("Counted clicks"), "style": "clicks", "data": [d.clicks for d in days]}]
    if points:
        datasets.append({"label": _("Points earned"), "style": "points", "data": [d.points for d in days]})
    if engagement is not None and engagement.known:
        datasets.append({"label": _("Engagement"), "style": "engagement", "data": engagement.values})
    return {"type": "line", "labels": _days(days), "datasets": datasets, "y": {"title": _("Per day"), "integer": True}}


def breakdown(rows: Sequence[Slice], label: Callable[[Slice], str] | None = None) -> dict:
    """Horizontal bars: shares and counted clicks per row (network, team, campaign, post)."""
    return {
        "type": "bar", "horizontal": True, "labels": [label(r) if label else r.label for r in rows],
        "datasets": [{"label": _("Shares"), "style": "shares", "data": [r.shares for r in rows]},
                     {"label": _("Counted clicks"), "style": "clicks", "data": [r.clicks for r in rows]}],
        "y": {"integer": True},
    }


def nps_trend(buckets: Sequence[Bucket], date_format: str) -> dict:
    """NPS per period with its 95% margin of error as a band; periods without answers are gaps."""
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    scores = [b.score for b in buckets]
    return {
        "type": "line", "labels": [format_date(b.start, date_format) if b.start else b.label for b in buckets],
        "datasets": [
            {"label": _("Margin of error (95%), low"), "style": "band-low",
             "data": [rounded(max(s.nps - s.margin, -100)) if s.nps is not None and s.margin is not None else None
                      for s in scores]},
            {"label": _("Margin of error (95%)"), "style": "band-high",
             "data": [rounded(min(s.nps + s.margin, 100)) if s.nps is not None and s.margin is not None else None
                      for s in scores]},
            {"label": _("NPS"), "style": "nps", "data": [rounded(s.nps) for s in scores]},
        ],
        "y": {"title": _("NPS"), "scale": "nps"},  # charts.js draws the whole scale, −100 to +100
    }
