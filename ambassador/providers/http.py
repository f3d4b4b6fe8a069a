"""HTTP for adapters: timeouts, and every failure sorted into a ProviderError kind.

`send(..., idempotent=False)` is for requests that create something (a post): once the
request may have reached the network, a timeout or a 5xx is an UNKNOWN_OUTCOME. With
`idempotent=True` (reads, token calls, or a post carrying an idempotency key the network
honours) the same failures are safe to RETRY.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import urllib3

from .base import ErrorKind, ProviderError

DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)
_session = requests.Session()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _parse_reset(value: str) -> datetime | None:
    """Epoch seconds (X, Bluesky), ISO 8601 (Mastodon) or an HTTP date."""
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        return datetime.fromtimestamp(number, UTC).replace(tzinfo=None)
    for parse in (lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")), parsedate_to_datetime):
        try:
            parsed = parse(value)
        except (ValueError, TypeError):
            continue
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        return parsed
    return None


def retry_at_from_headers(headers, *, now: datetime | None = None) -> datetime | None:
    """When the network says we may call again (Retry-After, x-rate-limit-reset, X-RateLimit-Reset…)."""
    now = now or _now()
    retry_after = headers.get("Retry-After")
    if retry_after:
        try:
            return now + timedelta(seconds=float(retry_after))
        except ValueError:
            parsed = _parse_reset(retry_after)
            if parsed:
                return parsed
    for name in ("x-rate-limit-reset", "X-RateLimit-Reset", "ratelimit-reset", "RateLimit-Reset"):
        value = headers.get(name)
        if value:
            parsed = _parse_reset(value)
            if parsed is not None:
                # RateLimit-Reset (IETF draft) is delta-seconds, not an epoch.
                if name.lower() == "ratelimit-reset" and parsed.year < 2000:
                    return now + timedelta(seconds=float(value))
                return parsed
    return None


def remaining_is_zero(headers) -> bool:
    for name in ("x-rate-limit-remaining", "X-RateLimit-Remaining", "ratelimit-remaining"):
        if headers.get(name, "").strip() == "0":
            return True
    return False


def error_message(response: requests.Response) -> str:
    """The network's reason in words, from the usual JSON error shapes."""
    try:
        body = response.json()
    except ValueError:
        text = (response.text or "").strip()
        return text[:300] or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        for key in ("error_description", "message", "detail", "error", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:300]
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"][:300]
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("detail") or errors[0])[:300]
    return f"HTTP {response.status_code}"


def classify(response: requests.Response, *, idempotent: bool) -> ProviderError | None:
    """None for success; otherwise the error with its kind."""
    status = response.status_code
    if status < 400:
        return None
    message = error_message(response)
    if status == 429:
        return ProviderError(ErrorKind.RATE_LIMITED, message, status=status,
                             retry_at=retry_at_from_headers(response.headers) or _now() + DEFAULT_RATE_LIMIT_WAIT)
    if status == 401:
        return ProviderError(ErrorKind.REAUTH, message, status=status)
    if status == 426:
        return ProviderError(ErrorKind.CONFIG, f"API version no longer supported: {message}", status=status)
    if status == 503 or (status >= 500 and idempotent):
        # 503: not processed (overloaded/maintenance); any 5xx is safe to retry when idempotent.
        return ProviderError(ErrorKind.RETRY, message, status=status, retry_at=retry_at_from_headers(response.headers))
    if status >= 500:
        return ProviderError(ErrorKind.UNKNOWN_OUTCOME, message, status=status)
    return ProviderError(ErrorKind.REJECTED, message, status=status)


def send(method: str, url: str, *, idempotent: bool, config: dict[str, Any] | None = None,
         session: requests.Session | None = None, **kwargs) -> requests.Response:
    """Send one request; return the response on success, raise ProviderError otherwise."""
    config = config or {}
    kwargs.setdefault("timeout", (config.get("PROVIDER_CONNECT_TIMEOUT", 5), config.get("PROVIDER_READ_TIMEOUT", 20)))
    kwargs.setdefault("allow_redirects", False)
    try:
        response = (session or _session).request(method, url, **kwargs)
    except requests.RequestException as exc:
        if never_connected(exc):
            raise ProviderError(ErrorKind.RETRY, f"could not connect: {exc.__class__.__name__}") from exc
        # The request may have been sent (read timeout, connection dropped mid-answer).
        raise _after_sending(idempotent, "the network did not answer in time"
                             if isinstance(exc, requests.Timeout) else
                             f"the connection broke: {exc.__class__.__name__}") from exc
    error = classify(response, idempotent=idempotent)
    if error is not None:
        raise error
    return response


def never_connected(exc: requests.RequestException) -> bool:
    """True when no connection was made, so nothing was sent (refused, DNS, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3 MaxRetryError wraps the cause
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.NameResolutionError,
                               urllib3.exceptions.ConnectTimeoutError))


def _after_sending(idempotent: bool, message: str) -> ProviderError:
    return ProviderError(ErrorKind.RETRY if idempotent else ErrorKind.UNKNOWN_OUTCOME, message)
