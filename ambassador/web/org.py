"""Placeholder: filled in by the org area."""
from flask import Blueprint

from .context import member_required

bp = Blueprint("org", __name__)


@bp.route("/settings")
@member_required
def settings():
    return "org.settings: not built yet"


@bp.route("/org/<int:org_id>/logo")
def logo(org_id: int):
    from flask import abort

    abort(404)
