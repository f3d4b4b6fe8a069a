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


def change_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), field="password")
    user.set_password(password)
    user.session_version += 1  # signs out other sessions, voids reset links
    db.session.flush()
