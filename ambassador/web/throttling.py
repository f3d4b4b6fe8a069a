"""Throttled forms: `@throttled("signup")` counts a view's POSTs per address, `@throttled("password_check",
per_user=True)` per signed-in user (infra/throttle.py).

GETs are never counted. A throttled POST changes nothing and gets a 429 page saying when to
try again (errors/429.html, with Retry-After). A POST let through runs in a transaction that
starts with a write (SQLite: parallel posts wait for each other instead of failing).
"""
from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import request
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from ..infra import throttle
from ..infra.addresses import visitor_address
from ..services.org import accounts


def wait_text(retry_after: int) -> str:
    """"5 minutes", "30 seconds"… in the page's language. Over a minute, rounded up to whole minutes: a wait
    that began a moment ago reads "1 hour", not "60 minutes"."""
    seconds = retry_after if retry_after <= 60 else -(-retry_after // 60) * 60
    return format_timedelta(timedelta(seconds=seconds), threshold=1)


def too_many_requests(retry_after: int, *, per_user: bool = False) -> TooManyRequests:
    if per_user:
        message = _("Too many attempts. Please wait %(wait)s and try again.", wait=wait_text(retry_after))
    else:
        message = _("Too many attempts from your network. Please wait %(wait)s and try again.",
                    wait=wait_text(retry_after))
    return TooManyRequests(message, retry_after=retry_after)


def throttled(name: str, *, per_user: bool = False, methods: tuple[str, ...] = ("POST",)):
    """Count the view's POSTs (or the given `methods`: a GET that writes, like an SSO sign-in link) per address
    (or, `per_user`, per signed-in user: put it under @login_required) against FORM_THROTTLES[name]; over the
    limit, answer 429."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if request.method in methods:
                subject = f"user:{current_user.id}" if per_user else visitor_address(request.remote_addr)
                verdict = throttle.hit((throttle.form_policy(name), throttle.key(name, subject)), then_write=True)
                if not verdict.allowed:
                    raise too_many_requests(verdict.retry_after, per_user=per_user)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def count_user_attempt(name: str) -> None:
    """Count one use of FORM_THROTTLES[name] by the signed-in user, or answer 429 over the limit. Unlike
    @throttled it opens no write transaction after: for a view that reads at length before it writes."""
    verdict = throttle.hit((throttle.form_policy(name), throttle.key(name, f"user:{current_user.id}")))
    if not verdict.allowed:
        raise too_many_requests(verdict.retry_after, per_user=True)


def allowed_for_email(name: str, email: str) -> bool:
    """Count one more use of FORM_THROTTLES[name] for this email (whether or not it has an account)."""
    return throttle.allowed(name, accounts.normalize_email(email))
