"""HTTP for adapters: timeouts, and every failure sorted into a ProviderError kind.

`send(..., idempotent=False)` is for requests that create something (a post): once the
request may have reached the network, a timeout or a 5xx is an UNKNOWN_OUTCOME. With
`idempotent=True` (reads, token calls, or a post carrying an idempotency key the network
honours) the same failures are safe to RETRY.

`oauth_token(...)` posts a grant to an OAuth 2.0 token endpoint and sorts its errors the
OAuth way (RFC 6749 §5.2); `token_set(...)` turns the answer into a TokenSet.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter

from ..infra.safe_http import CONNECTIONS_PER_HOST, SharedSession, UnsafeAddress
from .base import ErrorKind, ProviderError, TokenSet

DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)


def _new_session() -> requests.Session:
    """The session for the networks' fixed API hosts (X, LinkedIn, Facebook): one for every account and
    thread, so its connections are kept alive and reused; it keeps no cookies and honours the
    environment's proxy settings (infra/safe_http.py)."""
    session = SharedSession()
    adapter = HTTPAdapter(pool_maxsize=CONNECTIONS_PER_HOST)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


_session = _new_session()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def parse_reset(value: str) -> datetime | None:
    """Epoch seconds (X, Bluesky), ISO 8601 (Mastodon) or an HTTP date."""
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        try:
            return datetime.fromtimestamp(number, UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):  # milliseconds, garbage: no usable time
            return None
    for parse in (lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")), parsedate_to_datetime):
        try:
            parsed = parse(value)
        except (ValueError, TypeError):
            continue
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        return parsed
    return None


# The families of rate-limit headers the networks send with every answer on a limited endpoint (case does not
# matter): X's, Mastodon's, and the IETF draft's that the AT Protocol PDS sends. Their remaining count and reset.
RATE_LIMIT_HEADERS = (("x-rate-limit-remaining", "x-rate-limit-reset"), ("x-ratelimit-remaining", "x-ratelimit-reset"),
                      ("ratelimit-remaining", "ratelimit-reset"))


def retry_at_from_headers(headers, *, now: datetime | None = None) -> datetime | None:
    """When the network says we may call again (Retry-After, x-rate-limit-reset, X-RateLimit-Reset…)."""
    now = now or _now()
    retry_after = headers.get("Retry-After")
    if retry_after:
        try:
            return now + timedelta(seconds=float(retry_after))
        except (ValueError, OverflowError):
            parsed = parse_reset(retry_after)
            if parsed:
                return parsed
    for _remaining, reset in RATE_LIMIT_HEADERS:
        if (parsed := _reset(headers, reset, now)) is not None:
            return parsed
    return None


def spent_until(headers, *, now: datetime | None = None) -> datetime | None:
    """After a successful call: when its rate limit says no call is left (remaining 0), the reset it announced,
    if still ahead; else None. A call before then would only earn a 429 (and, on X, count against the app)."""
    now = now or _now()
    for remaining, reset in RATE_LIMIT_HEADERS:
        if headers.get(remaining, "").strip() == "0":
            until = _reset(headers, reset, now)
            if until is not None and headers.get(reset, "").strip().isdigit():
                # Whole seconds (X's and the PDS's epochs, the draft's delta), cut to the second: the limit may
                # last up to a second longer, and coming back early earns the 429 this is meant to spare.
                until += timedelta(seconds=1)
            return until if until is not None and until > now else None
    return None


def _reset(headers, name: str, now: datetime) -> datetime | None:
    value = headers.get(name)
    parsed = parse_reset(value) if value else None
    if parsed is not None and name == "ratelimit-reset" and parsed.year < 2000:
        return now + timedelta(seconds=float(value))  # RateLimit-Reset (IETF draft) is delta-seconds, not an epoch
    return parsed


def error_message(response: requests.Response) -> str:
    """The network's reason in words, from the usual JSON error shapes."""
    try:
        body = response.json()
    except ValueError:
        text = (response.text or "").strip()
        return text[:300] or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        if isinstance(body.get("error_description"), str) and body["error_description"]:
            return body["error_description"][:300]
        # A list of specific errors beats a summary: X answers "detail": "One or more parameters
        # to your request was invalid." with the actual reason in errors[0].message.
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            specific = errors[0].get("message") or errors[0].get("detail")
            if isinstance(specific, str) and specific:
                return specific[:300]
        for key in ("message", "detail", "error", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:300]
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"][:300]
        if isinstance(errors, list) and errors:
            return str(errors[0])[:300]
    return f"HTTP {response.status_code}"


def classify(response: requests.Response, *, idempotent: bool) -> ProviderError | None:
    """None for success; otherwise the error with its kind."""
    status = response.status_code
    if status < 300:
        return None
    if status < 400:
        # Redirects are never followed (a POST must not be replayed elsewhere): a base URL is wrong.
        return ProviderError(ErrorKind.CONFIG, f"unexpected redirect to {response.headers.get('Location', '?')}; "
                             "check the network's base URL setting", status=status)
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
    response = request(method, url, idempotent=idempotent, config=config, session=session, **kwargs)
    error = classify(response, idempotent=idempotent)
    if error is not None:
        raise error
    return response


def request(method: str, url: str, *, idempotent: bool, config: dict[str, Any] | None = None,
            session: requests.Session | None = None, **kwargs) -> requests.Response:
    """Any HTTP answer (for adapters that read an error's headers before `classify`), or a
    ProviderError when no answer came (connect failure, timeout, broken connection)."""
    config = config or {}
    kwargs.setdefault("timeout", (config.get("PROVIDER_CONNECT_TIMEOUT", 5), config.get("PROVIDER_READ_TIMEOUT", 20)))
    kwargs.setdefault("allow_redirects", False)
    try:
        response = (session or _session).request(method, url, **kwargs)
    except requests.RequestException as exc:
        if isinstance(_reason(exc), UnsafeAddress):
            raise ProviderError(ErrorKind.REJECTED, "the server's address is not a public address") from exc
        if never_connected(exc):
            raise ProviderError(ErrorKind.RETRY, f"could not connect: {exc.__class__.__name__}") from exc
        # The request may have been sent (read timeout, connection dropped mid-answer).
        raise _after_sending(idempotent, "the network did not answer in time"
                             if isinstance(exc, requests.Timeout) else
                             f"the connection broke: {exc.__class__.__name__}") from exc
    return response


def never_connected(exc: requests.RequestException) -> bool:
    """True when no connection was made, so nothing was sent (refused, DNS, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError):
        return False
    return isinstance(_reason(exc), (urllib3.exceptions.NewConnectionError, urllib3.exceptions.NameResolutionError,
                                     urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.SSLError))


def _reason(exc: requests.RequestException):
    reason = exc.args[0] if exc.args else None
    return getattr(reason, "reason", reason)  # urllib3 MaxRetryError wraps the cause


def _after_sending(idempotent: bool, message: str) -> ProviderError:
    return ProviderError(ErrorKind.RETRY if idempotent else ErrorKind.UNKNOWN_OUTCOME, message)


# --- OAuth 2.0 token endpoints -------------------------------------------------------------

_GRANT_ERRORS = {"invalid_grant", "invalid_request"}
_CLIENT_ERRORS = {"invalid_client", "unauthorized_client"}


def oauth_token(url: str, *, data: dict[str, str], config: dict[str, Any] | None = None,
                auth: tuple[str, str] | None = None, session: requests.Session | None = None) -> dict[str, Any]:
    """POST a grant (form-encoded) to a token endpoint; its JSON answer, or a ProviderError.

    RFC 6749 §5.2 errors: `invalid_grant` means the code or refresh token is used, expired or
    revoked, so the member must authorize again (REAUTH). LinkedIn and X answer
    `invalid_request` for the same situations ("…refresh token is invalid, expired or revoked",
    "Value passed for the token was invalid."), so it counts too. `invalid_client`,
    `unauthorized_client` or a 401 mean our app's own credentials are refused: CONFIG, not the
    member's fault. Token calls may be retried (RETRY on timeouts/5xx): a grant the network
    already consumed answers invalid_grant the next time, which is the truth.
    """
    response = request("POST", url, idempotent=True, config=config, session=session, data=data, auth=auth,
                       headers={"Accept": "application/json"})
    error = _token_error(response) or classify(response, idempotent=True)
    if error is not None:
        raise error
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ProviderError(ErrorKind.RETRY, "the token endpoint did not answer JSON", status=response.status_code)
    return body


def _token_error(response: requests.Response) -> ProviderError | None:
    status = response.status_code
    if status not in (400, 401, 403):
        return None
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("error") if isinstance(body, dict) else None
    message = error_message(response)
    if status == 401 or code in _CLIENT_ERRORS:
        return ProviderError(ErrorKind.CONFIG, f"the network refused this app's client credentials: {message}",
                             status=status)
    if code in _GRANT_ERRORS:
        return ProviderError(ErrorKind.REAUTH, message, status=status)
    return None


def token_set(body: dict[str, Any], *, now: datetime | None = None) -> TokenSet:
    """A TokenSet from a token endpoint's JSON (access_token, refresh_token, expires_in, scope)."""
    access_token = body.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise ProviderError(ErrorKind.REJECTED, "the token endpoint answered without an access token")
    expires_at = None
    try:
        if body.get("expires_in") is not None:
            expires_at = (now or _now()) + timedelta(seconds=int(body["expires_in"]))
    except (TypeError, ValueError):
        pass
    scope = body.get("scope") or ""
    scopes = tuple(part for part in re.split(r"[\s,]+", scope) if part) if isinstance(scope, str) else ()
    secret = {"access_token", "refresh_token", "id_token", "expires_in", "scope"}
    return TokenSet(access_token=access_token, refresh_token=body.get("refresh_token") or None,
                    expires_at=expires_at, scopes=scopes,
                    extra={key: value for key, value in body.items() if key not in secret})
