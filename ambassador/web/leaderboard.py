"""Leaderboard (every member), manager overview and the leaderboard CSV download."""
from __future__ import annotations

from flask import Blueprint, Response, g, render_template, request

from .. import networks
from ..models import Campaign, Role, Team
from ..services.analytics import leaderboard, periods
from ..services.analytics import overview as overview_service
from .context import member_required, role_required, scoped_or_404

bp = Blueprint("leaderboard", __name__)

TOP_N = 20
BOARD_PERIODS = ("7", "30", "90", "quarter", "all")
OVERVIEW_PERIODS = ("7", "30", "90")


def _window(allowed: tuple[str, ...], default: str) -> tuple[periods.Window, dict]:
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
    window, errors = _window(BOARD_PERIODS + ("custom",), "30")
    filters = _board_filters()
    board = leaderboard.board(org_id=g.org.id, window=window, limit=TOP_N, me_id=g.membership.id, compare=True,
                              **filters)
    return render_template("leaderboard/index.html", board=board, window=window, filters=filters, errors=errors,
                           periods=BOARD_PERIODS, teams=leaderboard.org_teams(org_id=g.org.id),
                           campaigns=leaderboard.org_campaigns(org_id=g.org.id), networks=networks.NETWORKS)


@bp.route("/leaderboard.csv")
@role_required(Role.MANAGER)
def export():
    window, _errors = _window(BOARD_PERIODS + ("custom",), "30")
    board = leaderboard.board(org_id=g.org.id, window=window, limit=None, **_board_filters())
    name = f"leaderboard-{g.org.slug}-{window.key}.csv"
    return Response(leaderboard.board_csv(board), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.route("/overview")
@role_required(Role.MANAGER)
def overview():
    window, errors = _window(OVERVIEW_PERIODS + ("custom",), "30")
    report = overview_service.overview(org_id=g.org.id, window=window)
    return render_template("leaderboard/overview.html", report=report, window=window, errors=errors,
                           periods=OVERVIEW_PERIODS)
