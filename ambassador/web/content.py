"""Placeholder: filled in by the content area."""
from flask import Blueprint

from .context import member_required

bp = Blueprint("content", __name__)


@bp.route("/campaigns")
@member_required
def campaigns():
    return "content.campaigns: not built yet"


@bp.route("/review")
@member_required
def review():
    return "content.review: not built yet"
