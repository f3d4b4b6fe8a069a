"""Analytics for managers: a page per team (routes on leaderboard.bp, linked from the overview's "By team" and
from the teams page), and its tables as CSV or XLSX."""
from __future__ import annotations

from flask import g, render_template, url_for

from ..models import Role, Team
from ..services.analytics import content_exports, team_stats, trends
from . import charts
from .context import role_required, scoped_or_404
from .exports import send_table
from .leaderboard import OVERVIEW_PERIODS, bp, period_window

TEAM_TABLES = "<any('per-day', networks, ambassadors, engagement, campaigns):table>"
DEFAULT_PERIOD = "30"


@bp.route("/overview/teams/<int:team_id>")
@role_required(Role.MANAGER)
def team_analytics(team_id: int):
    team = scoped_or_404(Team, team_id)
    window, errors = period_window(OVERVIEW_PERIODS + ("custom",), DEFAULT_PERIOD)
    stats = team_stats.team_stats(team=team, window=window, network_labels=charts.network_labels())
    specs = {"series": charts.daily(stats.series, engagement=stats.engagement),
             "networks": charts.breakdown(stats.networks), "campaigns": charts.breakdown(stats.campaigns)}
    # The period shown, for the links to the overview, the team's leaderboard and the downloads.
    period = {"period": window.key}
    if window.key == "custom" and window.first_day and window.last_day:
        period.update({"from": window.first_day.isoformat(), "to": window.last_day.isoformat()})

    def export_url(table: str, fmt: str) -> str:
        return url_for("leaderboard.team_analytics_export", team_id=team.id, table=table, fmt=fmt, **period)

    return render_template("leaderboard/team.html", team=team, stats=stats, specs=specs, window=window,
                           errors=errors, periods=OVERVIEW_PERIODS, export_url=export_url, period=period,
                           top_campaigns=trends.TOP_CAMPAIGNS)


@bp.route(f"/overview/teams/<int:team_id>/{TEAM_TABLES}.<any(csv, xlsx):fmt>")
@role_required(Role.MANAGER)
def team_analytics_export(team_id: int, table: str, fmt: str):
    team = scoped_or_404(Team, team_id)
    window, _errors = period_window(OVERVIEW_PERIODS + ("custom",), DEFAULT_PERIOD)
    return send_table(content_exports.export_table(subject=team, org_slug=g.org.slug, window=window, name=table,
                                                   network_labels=charts.network_labels()), fmt)
