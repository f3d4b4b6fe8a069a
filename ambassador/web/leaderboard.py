"""Placeholder: filled in by the leaderboard area."""
from flask import Blueprint

from .context import member_required

bp = Blueprint("leaderboard", __name__)


@bp.route("/leaderboard")
@member_required
def index():
    return "leaderboard.index: not built yet"


@bp.route("/overview")
@member_required
def overview():
    return "leaderboard.overview: not built yet"
