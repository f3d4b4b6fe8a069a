"""User accounts: sign-up, authentication with throttling, passwords."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import User
from . import dispatch, throttle

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """Something the person can fix; `field` says next to which field to show it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def create_user(*, email: str, password: str | None, name: str = "", locale: str | None = None) -> User:
    email = normalize_email(email)
    if find_user(email) is not None:
        raise AccountError(_l("An account with this email already exists."), field="email")
    user = User(email=email, name=name.strip(), locale=locale)
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def login_policies() -> tuple[throttle.Policy, throttle.Policy]:
    """Failed logins per (account, address), then per address across accounts: a few free, then waits
    that double. The owner signing in from another address is not slowed by a stranger's failures."""
    cfg = current_app.config
    window, first, longest = (cfg["LOGIN_FAILURE_WINDOW_SECONDS"], cfg["LOGIN_FIRST_DELAY_SECONDS"],
                              cfg["LOGIN_MAX_DELAY_SECONDS"])
    return (throttle.Policy("login_account_address", cfg["LOGIN_FAILURES_PER_ACCOUNT_ADDRESS"], window, first, longest),
            throttle.Policy("login_address", cfg["LOGIN_FAILURES_PER_ADDRESS"], window, first, longest))


@lru_cache(maxsize=1)
def _stand_in() -> User:
    """A user that is never stored, with a random password set by User.set_password (same KDF and
    parameters), made once per process: unknown emails are checked against it."""
    stand_in = User(email="")
    stand_in.set_password(secrets.token_urlsafe(16))
    return stand_in


def password_matches(user: User | None, password: str) -> bool:
    """The KDF runs once whether or not the account exists (or has a password): equal timing."""
    checked = user if user is not None and user.password_hash else _stand_in()
    return checked.check_password(password) and checked is user


@dataclass
class LoginResult:
    user: User | None
    retry_after: int = 0  # seconds to wait when throttled; nothing was checked

    @property
    def throttled(self) -> bool:
        return self.retry_after > 0


def authenticate(*, email: str, password: str, remote_addr: str | None) -> LoginResult:
    """Check a password, throttled per (account, address) and per address (works across processes).

    Every attempt is counted as a failure before the password is checked (so parallel guesses
    cannot pass the limit); a success then forgets the (account, address) failures and takes
    back its count from the address. Ends the transaction (services/throttle.py).
    """
    email = normalize_email(email)
    pair, address = login_policies()
    pair_key, address_key = throttle.key(pair.scope, email, remote_addr), throttle.key(address.scope, remote_addr)
    verdict = throttle.hit((pair, pair_key), (address, address_key))
    if not verdict.allowed:
        return LoginResult(user=None, retry_after=verdict.retry_after)
    user = find_user(email)
    if not password_matches(user, password):
        return LoginResult(user=None)
    dispatch.begin_write()
    throttle.forgive(pair, pair_key, forget=True)
    throttle.forgive(address, address_key, forget=False)
    return LoginResult(user=user)


def change_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), field="password")
    user.set_password(password)
    user.session_version += 1  # signs out other sessions, voids reset links
    db.session.flush()
