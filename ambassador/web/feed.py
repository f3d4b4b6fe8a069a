"""Placeholder: filled in by the feed area."""
from flask import Blueprint

from .context import member_required

bp = Blueprint("feed", __name__)


@bp.route("/feed")
@member_required
def index():
    return "feed.index: not built yet"


@bp.route("/me/activity")
@member_required
def activity():
    return "feed.activity: not built yet"
