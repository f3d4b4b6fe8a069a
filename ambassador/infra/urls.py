"""The one builder of absolute URLs: short links, email links, OAuth callbacks, invitation, survey
and password-reset links, links in jobs.

Everything is built over PUBLIC_BASE_URL, the address people reach the product at, never over the
request's Host header (a forged Host would otherwise end up in password-reset emails) and never
relative: a URL that leaves the product (a post on a network, an email) must work on its own.
It works the same in a request, in a job of the worker and in a CLI command.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

SETTING = "PUBLIC_BASE_URL"


class BaseUrlMissing(RuntimeError):
    """PUBLIC_BASE_URL is not configured (production refuses to start without it)."""


def base_url_problem(value: str | None) -> str | None:
    """Why `value` cannot be the public base URL, or None when it can."""
    if not value:
        return "not set"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return f"not a valid URL ({value!r})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"must be an absolute http(s) URL such as https://ambassador.example.com (got {value!r})"
    if parts.query or parts.fragment or parts.username or parts.password:
        return f"must not carry a query, a fragment or credentials (got {value!r})"
    return None


def base_url() -> str:
    """The configured base without its trailing slash (e.g. https://amb.example.com or …/ambassador)."""
    value = current_app.config.get(SETTING) or ""
    problem = base_url_problem(value)
    if problem:
        raise BaseUrlMissing(f"{SETTING} {problem}: absolute links cannot be built.")
    return value.rstrip("/")


def absolute_url(endpoint_or_path: str, **values) -> str:
    """The absolute URL of an endpoint (`absolute_url("join.invitation", token=t)`) or of a path
    of this site (`absolute_url("/me/accounts")`).

    An endpoint is built with the app's URL map (in a request or not); `_anchor` adds a fragment.
    Raises BaseUrlMissing rather than ever returning a relative URL.
    """
    base = base_url()
    if endpoint_or_path.startswith("/"):
        if values:
            raise TypeError("values are only for an endpoint, not a path")
        return base + endpoint_or_path
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint_or_path, values)
    # Bound to no particular host: the path alone; the base supplies scheme, host and any prefix.
    path = current_app.url_map.bind("localhost", script_name="/").build(endpoint_or_path, values)
    return base + path + (f"#{anchor}" if anchor else "")
