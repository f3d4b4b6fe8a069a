"""User accounts: sign-up, authentication with throttling, passwords."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import LoginAttempt, User, utcnow
from . import password_policy, user_sessions
from .password_policy import MIN_PASSWORD_LENGTH  # noqa: F401  (forms and the CLI read it here)


class AccountError(ValueError):
    """Something the person can fix; `field` says next to which field to show it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def check_new_password(password: str, *, email: str, name: str = "") -> None:
    """The password policy (services/password_policy.py) as an AccountError on the password field."""
    try:
        password_policy.check_password(password, email=email, name=name)
    except password_policy.PasswordError as exc:
        raise AccountError(str(exc), field="password") from exc


def create_user(*, email: str, password: str | None, name: str = "", locale: str | None = None,
                verified: bool = False) -> User:
    """A new account; `verified` when the address is already proven (invitation email, operator, demo)."""
    email = normalize_email(email)
    if find_user(email) is not None:
        raise AccountError(_l("An account with this email already exists."), field="email")
    user = User(email=email, name=name.strip(), locale=locale, email_verified_at=utcnow() if verified else None)
    if password is not None:
        check_new_password(password, email=email, name=name)
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def address_hash(remote_addr: str | None) -> str:
    salt = current_app.config["CLICK_SALT"]
    return hashlib.sha256(f"{salt}:login:{remote_addr or '-'}".encode()).hexdigest()


@dataclass
class LoginResult:
    user: User | None
    throttled: bool = False


def authenticate(*, email: str, password: str, remote_addr: str | None) -> LoginResult:
    """Check a password, throttled per account and per address (works across processes)."""
    cfg = current_app.config
    email = normalize_email(email)
    addr = address_hash(remote_addr)
    since = utcnow() - timedelta(seconds=cfg["LOGIN_FAILURE_WINDOW_SECONDS"])
    recent = sa.select(sa.func.count(LoginAttempt.id)).where(LoginAttempt.created_at >= since)
    per_account = db.session.scalar(recent.where(LoginAttempt.email == email))
    per_address = db.session.scalar(recent.where(LoginAttempt.address_hash == addr))
    if per_account >= cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"] or per_address >= cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
        return LoginResult(user=None, throttled=True)

    user = find_user(email)
    if user is not None and user.check_password(password):
        db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.email == email))
        return LoginResult(user=user)
    db.session.add(LoginAttempt(email=email, address_hash=addr))
    db.session.flush()
    return LoginResult(user=None)


def change_password(user: User, password: str, *, keep_session_token: str | None = None) -> None:
    """Set a new password (policy-checked) and sign out every session but `keep_session_token`'s.

    A reset passes no token: all sessions end. session_version voids earlier reset links.
    """
    check_new_password(password, email=user.email, name=user.name)
    user.set_password(password)
    user.session_version += 1
    user_sessions.revoke_all(user, keep_token=keep_session_token)
    db.session.flush()


def change_own_password(user: User, *, current_password: str, new_password: str) -> None:
    """The profile's "change password": the current password first; this browser stays signed in."""
    if not user.check_password(current_password or ""):
        raise AccountError(_l("That is not your current password."), field="current_password")
    if current_password == new_password:
        raise AccountError(_l("Choose a password different from the current one."), field="password")
    change_password(user, new_password, keep_session_token=user.session_token)
