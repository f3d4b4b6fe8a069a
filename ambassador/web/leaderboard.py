"""Leaderboard (every member), manager overview and the leaderboard CSV download."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask_babel import gettext as _

from .. import networks
from ..extensions import db
from ..models import Campaign, Role, Team
from ..services.analytics import engagement, leaderboard, periods, rebuild, trends
from ..services.analytics import overview as overview_service
from . import charts
from .context import member_required, role_required, scoped_or_404
from .exports import send_table
from .i18n import money

bp = Blueprint("leaderboard", __name__)
bp.add_app_template_filter(money, "money")

TOP_N = 20
BOARD_PERIODS = ("7", "30", "90", "quarter", "all")
OVERVIEW_PERIODS = ("7", "30", "90")


def period_window(allowed: tuple[str, ...], default: str) -> tuple[periods.Window, dict]:
    """The window named by ?period= (or ?period=custom&from=…&to= when allowed); errors by field."""
    if "custom" in allowed and request.args.get("period") == "custom":
        window, errors = periods.custom_window(g.org, request.args.get("from"), request.args.get("to"))
        if window is not None:
            return window, {}
        return periods.named_window(g.org, default, allowed=allowed, default=default), errors
    return periods.named_window(g.org, request.args.get("period"), allowed=allowed, default=default), {}


def _board_filters() -> dict:
    """Team and campaign (only this organization's: another's is a 404), kind and network from the query string."""
    team_id = request.args.get("team", type=int)
    team = scoped_or_404(Team, team_id) if team_id is not None else None
    campaign_id = request.args.get("campaign", type=int)
    campaign = scoped_or_404(Campaign, campaign_id) if campaign_id is not None else None
    network = request.args.get("network")
    return {"team_id": team.id if team else None, "kind": leaderboard.clean_kind(request.args.get("kind")),
            "campaign_id": campaign.id if campaign else None,
            "network": network if network in networks.NETWORKS else None}


@bp.route("/leaderboard")
@member_required
def index():
    window, errors = period_window(BOARD_PERIODS + ("custom",), "30")
    filters = _board_filters()
    board = leaderboard.board(org_id=g.org.id, window=window, limit=TOP_N, me_id=g.membership.id, compare=True,
                              **filters)
    leaderboard.remember_range(org_id=g.org.id, window=window)
    db.session.commit()  # the custom range asked for (a GET that keeps a cache warm; nothing else is written)
    return render_template("leaderboard/index.html", board=board, window=window, filters=filters, errors=errors,
                           periods=BOARD_PERIODS, teams=leaderboard.org_teams(org_id=g.org.id),
                           campaigns=leaderboard.org_campaigns(org_id=g.org.id), networks=networks.NETWORKS,
                           rebuilding=rebuild.rebuilding(g.org.id))


@bp.route("/leaderboard.csv", defaults={"fmt": "csv"})
@bp.route("/leaderboard.<any(xlsx):fmt>")
@role_required(Role.MANAGER)
def export(fmt: str):
    window, _errors = period_window(BOARD_PERIODS + ("custom",), "30")
    rows = leaderboard.board_rows(org_id=g.org.id, window=window, **_board_filters())
    return send_table(leaderboard.board_table(name=f"leaderboard-{g.org.slug}-{window.key}", rows=rows), fmt)


@bp.route("/overview")
@role_required(Role.MANAGER)
def overview():
    window, errors = period_window(OVERVIEW_PERIODS + ("custom",), "30")
    report = overview_service.overview(org_id=g.org.id, window=window)
    scope = trends.Scope(org_id=g.org.id)
    compared = trends.compare(org=g.org, scope=scope, window=window, current=report.series)
    parts = trends.breakdowns(scope=scope, window=window, network_labels=charts.network_labels(),
                              no_team=_("No team"))
    engaged = engagement.compare_daily(org=g.org, scope=scope, window=window)
    specs = {"trend": charts.comparison(compared, engaged), "networks": charts.breakdown(parts.networks),
             "teams": charts.breakdown(parts.teams), "campaigns": charts.breakdown(parts.campaigns)}
    day_labels = charts.day_labels([d.day for d in compared.current + compared.previous], "EEE d MMM")
    return render_template("leaderboard/overview.html", report=report, window=window, errors=errors,
                           periods=OVERVIEW_PERIODS, compared=compared, engaged=engaged, parts=parts, specs=specs,
                           day_labels=day_labels, top_campaigns=trends.TOP_CAMPAIGNS,
                           rebuilding=rebuild.rebuilding(g.org.id))


@bp.route("/overview/<any('top-posts', 'per-day', 'top-ambassadors'):table>.<any(csv, xlsx):fmt>")
@role_required(Role.MANAGER)
def overview_export(table: str, fmt: str):
    window, _errors = period_window(OVERVIEW_PERIODS + ("custom",), "30")
    return send_table(overview_service.export_table(org_id=g.org.id, org_slug=g.org.slug, window=window,
                                                    name=table), fmt)
