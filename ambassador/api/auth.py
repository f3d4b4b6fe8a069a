"""Bearer-token authentication for /api/v1: who is asking (g.api_token), for which organization (g.api_org),
as which member (g.api_membership, None for an integration token), and the per-view scope and role check.

No cookie and no session: a request is signed in by its Authorization header alone, so the API needs no CSRF
token (a browser never adds the header by itself)."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, request
from flask_babel import gettext as _

from ..models import Membership, Organization, Role
from ..services.audit.log import Origin
from ..services.org import api_tokens
from .problems import problem


def authenticate():
    """before_request of the resource blueprints: a 401 problem unless the request carries a live token."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    token = api_tokens.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        challenge = 'Bearer realm="api"' + (', error="invalid_token"' if header else "")
        return problem(401, code="unauthorized",
                       detail=_("Send a valid, unexpired API token as 'Authorization: Bearer <token>'."),
                       headers={"WWW-Authenticate": challenge})
    g.api_token = token
    g.api_membership = token.membership
    g.api_org = token.membership.organization if token.membership is not None else _org(token.org_id)
    return None


def _org(org_id: int) -> Organization:
    from ..extensions import db

    return db.session.get_one(Organization, org_id)


def org() -> Organization:
    return g.api_org


def membership() -> Membership | None:
    return g.api_membership


def origin() -> Origin:
    return Origin(ip=request.remote_addr, via="api")


def role() -> str:
    return api_tokens.role_of(g.api_token)


def at_least(wanted: str) -> bool:
    from ..models import ROLE_RANK

    return ROLE_RANK[role()] >= ROLE_RANK[wanted]


def requires(scope: str, role: str = Role.AMBASSADOR) -> Callable:
    """The view needs the token to hold `scope` and its member (or the integration) to reach `role`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = g.api_token
            if not api_tokens.allows(token, scope):
                abort(403, description=_("This token lacks the %(scope)s permission.", scope=scope))
            if not api_tokens.allows(token, scope, role=role):
                abort(403, description=_("Your role in this organization does not allow this."))
            return view(*args, **kwargs)

        wrapper._api_scope = scope  # type: ignore[attr-defined]  (tests enumerate the routes' scopes)
        return wrapper

    return decorator
