"""A request budget per token, counted in the database rows of infra/throttle.py (so it holds across processes
and hosts), announced with the RateLimit headers of the IETF draft (draft-ietf-httpapi-ratelimit-headers):
`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds) and `RateLimit-Policy`; over the budget
a 429 problem with `Retry-After`."""
from __future__ import annotations

import math

import sqlalchemy as sa
from flask import current_app, g
from flask_babel import ngettext

from ..extensions import db
from ..infra import throttle
from ..models import ThrottleCounter, utcnow
from .problems import problem

SCOPE = "api"


def _policy() -> throttle.Policy:
    limit, window = current_app.config["API_RATE_LIMIT"]
    return throttle.Policy(scope=SCOPE, limit=int(limit), window=int(window))


def check():
    """Count this request against its token (after authentication); a 429 problem over the budget."""
    policy = _policy()
    hashed = throttle.key(SCOPE, str(g.api_token.id))
    verdict = throttle.hit((policy, hashed))  # ends the transaction: the count survives the request's rollback
    row = db.session.scalar(sa.select(ThrottleCounter).where(ThrottleCounter.scope == SCOPE,
                                                             ThrottleCounter.key_hash == hashed))
    now = utcnow()
    hits = row.hits if row is not None else policy.limit
    reset = max(0, math.ceil((row.expires_at - now).total_seconds())) if row is not None else policy.window
    g.api_rate_headers = {
        "RateLimit-Limit": str(policy.limit),
        "RateLimit-Remaining": str(max(0, policy.limit - hits)),
        "RateLimit-Reset": str(verdict.retry_after or reset),
        "RateLimit-Policy": f"{policy.limit};w={policy.window}",
    }
    if not verdict.allowed:
        return problem(429, code="rate_limited",
                       detail=ngettext("Too many requests with this token; try again in %(num)d second.",
                                       "Too many requests with this token; try again in %(num)d seconds.",
                                       verdict.retry_after),
                       headers={**g.api_rate_headers, "Retry-After": str(verdict.retry_after)})
    return None


def add_headers(response):
    for name, value in getattr(g, "api_rate_headers", {}).items():
        response.headers.setdefault(name, value)
    return response
