"""Secrets at rest (tokens, app passwords, client secrets): MultiFernet with key rotation.

TOKEN_KEYS is a comma-separated list of Fernet keys, newest first: new values are encrypted
with the first; any listed key decrypts. `flask ambassador rotate-keys` re-encrypts every
stored secret with the first key, after which old keys can be removed from the list.
"""
from __future__ import annotations

import base64
import hashlib
from typing import overload

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class SecretError(RuntimeError):
    pass


def _keys() -> list[bytes]:
    configured = [k.strip() for k in (current_app.config.get("TOKEN_KEYS") or "").split(",") if k.strip()]
    if configured:
        return [k.encode() for k in configured]
    if not current_app.config.get("TOKEN_KEYS_FROM_SECRET_KEY"):
        # Production refuses to start without TOKEN_KEYS (ambassador/startup.py); never fall back there.
        raise SecretError("TOKEN_KEYS is not set")
    # Development and tests only (config.py TOKEN_KEYS_FROM_SECRET_KEY): a key derived from SECRET_KEY.
    digest = hashlib.sha256(f"token-key:{current_app.config['SECRET_KEY']}".encode()).digest()
    return [base64.urlsafe_b64encode(digest)]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


@overload
def encrypt(value: str) -> str: ...
@overload
def encrypt(value: None) -> None: ...
@overload
def encrypt(value: str | None) -> str | None: ...


def encrypt(value: str | None) -> str | None:
    if value is None:
        return None
    return _fernet().encrypt(value.encode()).decode()


@overload
def decrypt(value: str) -> str: ...
@overload
def decrypt(value: None) -> None: ...
@overload
def decrypt(value: str | None) -> str | None: ...


def decrypt(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken as exc:
        raise SecretError("a stored secret cannot be decrypted with the configured TOKEN_KEYS") from exc


def rotate(value: str | None) -> str | None:
    """Re-encrypt with the newest key (MultiFernet.rotate keeps the original timestamp)."""
    if value is None:
        return None
    return _fernet().rotate(value.encode()).decode()
