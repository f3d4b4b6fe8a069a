"""OAuth 2.0 state for the contract fakes: single-use codes (with their PKCE challenge), access
tokens with an expiry, refresh tokens that a network may rotate, and a bearer check."""
from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from typing import Any

from flask import request


def s256(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))) without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


class Grants:
    def __init__(self, *, access_ttl: int, issue_refresh: bool, rotate_refresh: bool,
                 refresh_ttl: int | None = None, scope_separator: str = " "):
        self.access_ttl = access_ttl
        self.issue_refresh = issue_refresh
        self.rotate_refresh = rotate_refresh
        self.refresh_ttl = refresh_ttl
        self.scope_separator = scope_separator
        self.codes: dict[str, dict[str, Any]] = {}
        self.access: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def new_code(self, **info: Any) -> str:
        code = secrets.token_urlsafe(16)
        with self._lock:
            self.codes[code] = info
        return code

    def redeem_code(self, code: str) -> dict[str, Any] | None:
        """The code's details, once: a second use finds nothing (codes are single-use)."""
        with self._lock:
            return self.codes.pop(code, None)

    def issue(self, *, subject: str, scopes: list[str], refresh_token: str | None = None) -> dict[str, Any]:
        """A token answer; a new refresh token when enabled (or the same one when not rotating)."""
        token = secrets.token_urlsafe(24)
        answer: dict[str, Any] = {"token_type": "bearer", "access_token": token, "expires_in": self.access_ttl,
                                  "scope": self.scope_separator.join(scopes)}
        with self._lock:
            self.access[token] = {"subject": subject, "scopes": scopes, "expires": time.time() + self.access_ttl}
            if self.issue_refresh:
                if refresh_token is None or self.rotate_refresh:
                    refresh_token = secrets.token_urlsafe(24)
                    self.refresh_tokens[refresh_token] = {"subject": subject, "scopes": scopes}
                answer["refresh_token"] = refresh_token
                if self.refresh_ttl:
                    answer["refresh_token_expires_in"] = self.refresh_ttl
        return answer

    def use_refresh(self, refresh_token: str) -> dict[str, Any] | None:
        """The grant behind a refresh token; a rotating network kills the token on use."""
        with self._lock:
            grant = self.refresh_tokens.get(refresh_token)
            if grant is not None and self.rotate_refresh:
                del self.refresh_tokens[refresh_token]
            return grant

    def bearer(self) -> dict[str, Any] | None:
        """The live access grant named by the request's `Authorization: Bearer …`, or None."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        with self._lock:
            grant = self.access.get(token)
        if grant is None or grant["expires"] <= time.time():
            return None
        return grant

    def revoke(self, token: str) -> None:
        with self._lock:
            self.access.pop(token, None)
            self.refresh_tokens.pop(token, None)

    def seed(self, *, subject: str, scopes: list[str]) -> dict[str, Any]:
        """Tokens without the browser dance (benchmarks, publishing tests)."""
        return self.issue(subject=subject, scopes=scopes)
