"""Random tokens and their stored hashes."""
from __future__ import annotations

import hashlib
import secrets


def new_token(nbytes: int = 32) -> str:
    """URL-safe, unguessable token (43 characters for 32 bytes)."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """Store only this: a leaked table does not leak usable tokens."""
    return hashlib.sha256(token.encode()).hexdigest()
