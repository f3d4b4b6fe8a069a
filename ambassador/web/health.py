"""Liveness/readiness for load balancers, and the benchmark's floor route."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from ..extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any database failure means "not ready"
        db.session.rollback()
        return jsonify(status="error", database="unreachable", reason=exc.__class__.__name__), 503
    return jsonify(status="ok", database="ok")


@bp.route("/ping")
def floor():
    """The cheapest route of the app: the baseline bench/redirect.py compares against."""
    return "pong", 200, {"Content-Type": "text/plain"}
