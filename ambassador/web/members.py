"""Placeholder: filled in by the members area."""
from flask import Blueprint

from .context import member_required

bp = Blueprint("members", __name__)


@bp.route("/members")
@member_required
def index():
    return "members.index: not built yet"


@bp.route("/outbox")
@member_required
def outbox():
    return "members.outbox: not built yet"
