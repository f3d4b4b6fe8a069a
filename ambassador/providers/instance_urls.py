"""Server addresses a member types in (a Mastodon instance, a Bluesky PDS), made safe to call.

"mastodon.social", "https://Mastodon.Social/" and "https://mastodon.social" are the same
instance; we store one canonical form ("https://mastodon.social"). Only https is accepted
unless PROVIDERS_ALLOW_HTTP (a self-hosted server on loopback, tests' stand-in servers);
credentials, paths, queries and fragments are refused. Loopback / private / link-local IP
literals and "localhost" are refused as well (PROVIDERS_ALLOW_HTTP lets loopback through, nothing
else), so a member cannot make our server call its own internal network (server-side request
forgery). A name that resolves to a private address is caught when we connect: every call to
these servers goes through infra/safe_http.py, which connects only to a checked address.
"""
from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from .base import ErrorKind, ProviderError


def normalize_service_url(value: str, *, config: dict[str, Any]) -> str:
    """The canonical base URL ("https://host[:port]"); ProviderError(REJECTED) when unusable."""
    allow_http = bool(config.get("PROVIDERS_ALLOW_HTTP"))
    raw = (value or "").strip()
    if not raw:
        raise _invalid(_l("Enter the address of your server, e.g. mastodon.social."))
    if "://" not in raw:
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise _invalid(_l("This is not a valid server address.")) from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_http):
        raise _invalid(_l("The server address must start with https://."))
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _invalid(_l("Enter only the server's address, without a user name or password."))
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise _invalid(_l("Enter only the server's address, without a path (e.g. mastodon.social)."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise _invalid(_l("This is not a valid server address."))
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _invalid(_l("This is not a valid server address.")) from None
    if _is_internal(host) and not (allow_http and _is_loopback(host)):
        raise _invalid(_l("This server address is not allowed."))
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != (443 if scheme == "https" else 80):
        netloc += f":{port}"
    return f"{scheme}://{netloc}"


def _is_internal(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost") or "." not in host and ":" not in host:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _invalid(message) -> ProviderError:
    return ProviderError(ErrorKind.REJECTED, str(message))
