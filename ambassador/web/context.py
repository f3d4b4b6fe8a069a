"""Who is asking, for which organization: g.membership / g.org, and the guards views use."""
from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import Flask, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import Membership, MemberStatus, Organization, Role, User
from ..services.content import approval
from ..services.org import branding, sessions
from . import avatars


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader for "<user id>:<session token>" (session or remember-me cookie).

    Only a live server-side session signs the request in: logout, password change and reset
    revoke it, and it expires (services/org/sessions.py).
    """
    try:
        raw_id, token = user_id.split(":", 1)
        user, touched = sessions.user_for_session(int(raw_id), token)
    except (ValueError, TypeError):
        return None
    if touched:
        db.session.commit()  # first thing in the request: only last_seen_at is pending
    return user


def active_memberships(user: User) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(Organization)
            .where(Membership.user_id == user.id, Membership.status == MemberStatus.ACTIVE)
            .order_by(Organization.name)
        )
    )


def _resolve_membership() -> None:
    g.membership = None
    g.org = None
    if not current_user.is_authenticated:
        return
    memberships = active_memberships(current_user)
    g.memberships = memberships
    wanted = session.get("org_id")
    chosen = next((m for m in memberships if m.org_id == wanted), None) or (memberships[0] if memberships else None)
    if chosen is not None:
        g.membership = chosen
        g.org = chosen.organization
        session["org_id"] = chosen.org_id


def review_waiting() -> int:
    """Posts waiting for review in the current organization, for the Review menu: counted once per request,
    and only when a template asks (the menu shows it to managers only)."""
    if "review_waiting" not in g:
        membership = getattr(g, "membership", None)
        g.review_waiting = (approval.pending_count(org=membership.organization)
                            if membership is not None and membership.has_role(Role.MANAGER) else 0)
    return g.review_waiting


def install_context(app: Flask) -> None:
    @app.before_request
    def _load_context():
        if request.endpoint in ("static", "links.follow", "health.healthz", "health.floor", "org.theme"):
            return
        if request.blueprint and (request.blueprint.startswith("api_") or request.blueprint == "api-docs"):
            return  # the JSON API signs in by token only: no session, no cookie
        _resolve_membership()

    @app.context_processor
    def _inject():
        from flask_babel import get_locale

        from .. import networks
        from ..services.content.posts import counting_rules
        from ..services.publishing.tracked_links import placeholder_short_url
        from .i18n import LANGUAGE_NAMES

        return {
            "membership": getattr(g, "membership", None),
            "org": getattr(g, "org", None),
            "memberships": getattr(g, "memberships", []),
            "NETWORKS": networks.NETWORKS,
            "LANGUAGE_NAMES": LANGUAGE_NAMES,
            "get_locale": get_locale,
            "review_waiting": review_waiting,
            "avatar": avatars.avatar,
            "counting_rules": counting_rules,
            "short_link_stand_in": placeholder_short_url,
            "theme_version": branding.theme_version,
        }


def role_required(role: str):
    """The view needs a signed-in, active member of the current organization with at least `role`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path))
            membership = getattr(g, "membership", None)
            if membership is None:
                flash(_("You are not an active member of any organization yet."), "warning")
                return redirect(url_for("auth.no_organization"))
            if not membership.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


member_required = role_required(Role.AMBASSADOR)


def scoped_or_404(model, object_id: int):
    """Fetch an organization-scoped row by id, or 404 when it belongs to another organization."""
    obj = db.session.scalar(sa.select(model).where(model.id == object_id, model.org_id == g.org.id))
    if obj is None:
        abort(404)
    return obj
