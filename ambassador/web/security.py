"""Security headers on every response."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

from .. import networks


def _intent_origins() -> str:
    """Share forms POST to us and are redirected to a network's intent page; Chromium applies
    form-action to that redirect, so those origins (and only those) are allowed."""
    origins = set()
    for network in networks.NETWORKS.values():
        if network.intent and network.intent.startswith("https://"):
            parts = urlsplit(network.intent)
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return " ".join(sorted(origins))


def content_security_policy() -> str:
    return (
        "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
        f"object-src 'none'; base-uri 'self'; form-action 'self' {_intent_origins()}; frame-ancestors 'none'"
    )


def install_security_headers(app: Flask) -> None:
    csp = content_security_policy()
    hsts = app.config.get("STRICT_TRANSPORT_SECURITY") or ""

    @app.after_request
    def _headers(response):
        if hsts:  # production (HTTPS): browsers then never try plain http for this host again
            response.headers.setdefault("Strict-Transport-Security", hsts)
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
