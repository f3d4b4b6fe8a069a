"""User accounts: sign-up, authentication with throttling, passwords."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l

from ...errors import ServiceError
from ...extensions import db
from ...infra import database, throttle
from ...infra.addresses import visitor_address
from ...models import User, utcnow
from ..audit import actions as audit_actions
from ..audit.log import Origin
from ..audit.people import record_for_person
from . import email_verification, password_policy, sessions
from .password_policy import MIN_PASSWORD_LENGTH  # noqa: F401  (forms and the CLI read it here)


class AccountError(ServiceError):
    """Something the person can fix; `field` says next to which field to show it."""

    code = "account"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def is_valid_email(value: str) -> bool:
    """The syntax check every form and import applies to an address (no DNS look-up)."""
    try:
        # test_environment: accept the reserved .test domain our demo and tests use.
        validate_email(value or "", check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return False
    return True


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def check_new_password(password: str, *, email: str, name: str = "") -> None:
    """The password policy (services/org/password_policy.py) as an AccountError on the password field."""
    try:
        password_policy.check_password(password, email=email, name=name)
    except password_policy.PasswordError as exc:
        raise AccountError(str(exc), field="password") from exc


def create_user(*, email: str, password: str | None, name: str = "", locale: str | None = None,
                verified: bool = False, policy_checked: bool = False) -> User:
    """A new account; `verified` when the address is already proven (invitation email, operator, demo);
    `policy_checked` when the caller ran check_new_password already (sign-up runs it for every address)."""
    email = normalize_email(email)
    if find_user(email) is not None:
        raise AccountError(_l("An account with this email already exists."), field="email")
    user = User(email=email, name=name.strip(), locale=locale, email_verified_at=utcnow() if verified else None)
    if password is not None:
        if not policy_checked:
            check_new_password(password, email=email, name=name)
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


def authenticate(*, email: str, password: str, remote_addr: str | None, origin: Origin | None = None) -> LoginResult:
    """Check a password, throttled per (account, address) and per address (works across processes).

    Every attempt is counted as a failure before the password is checked (so parallel guesses
    cannot pass the limit); a success then forgets the (account, address) failures and takes
    back its count from the address. Ends the transaction (infra/throttle.py); the audit event (a sign-in, or
    a failure with its reason, in each of the person's organizations) is left for the caller to commit.

    An account whose address is not verified does not sign in: the right password gets the wrong
    password's answer, and a fresh confirmation link is emailed (services/org/email_verification.py).
    """
    email = normalize_email(email)
    pair, address = login_policies()
    visitor = visitor_address(remote_addr)  # an IPv6 /64 is one address: rotating within it resets nothing
    pair_key, address_key = throttle.key(pair.scope, email, visitor), throttle.key(address.scope, visitor)
    verdict = throttle.hit((pair, pair_key), (address, address_key))
    origin = origin or Origin(ip=remote_addr)
    if not verdict.allowed:
        _failed(find_user(email), email, origin, "throttled")
        return LoginResult(user=None, retry_after=verdict.retry_after)
    user = find_user(email)
    if not password_matches(user, password) or user is None:  # the KDF runs first, for unknown emails too
        _failed(user, email, origin, "wrong_password" if user is not None else "unknown_address")
        return LoginResult(user=None)
    if not user.email_verified:
        # Exactly a wrong password's answer (the attempt stays counted): otherwise signing up with
        # someone's address and then logging in would tell whether the address was new.
        email_verification.send_again(user)
        _failed(user, email, origin, "unverified_address")
        return LoginResult(user=None)
    database.begin_write()
    throttle.forgive(pair, pair_key, forget=True)
    throttle.forgive(address, address_key, forget=False)
    record_for_person(audit_actions.SIGN_IN, user=user, origin=origin, details={"method": "password"})
    return LoginResult(user=user)


def _failed(user: User | None, email: str, origin: Origin, reason: str) -> None:
    database.begin_write()
    record_for_person(audit_actions.SIGN_IN_FAILED, user=user, email=email, origin=origin,
                      details={"method": "password", "reason": reason})


def record_sign_out(user: User, *, origin: Origin | None) -> None:
    record_for_person(audit_actions.SIGN_OUT, user=user, origin=origin)


def change_password(user: User, password: str, *, keep_session_token: str | None = None,
                    origin: Origin | None = None, how: str = "changed") -> None:
    """Set a new password (policy-checked) and sign out every session but `keep_session_token`'s.

    A reset passes no token: all sessions end. session_version voids earlier reset links.
    """
    check_new_password(password, email=user.email, name=user.name)
    user.set_password(password)
    user.session_version += 1
    sessions.revoke_all(user, keep_token=keep_session_token)
    record_for_person(audit_actions.PASSWORD_CHANGED, user=user, origin=origin, details={"how": how})
    db.session.flush()


def change_own_password(user: User, *, current_password: str, new_password: str,
                        origin: Origin | None = None) -> None:
    """The profile's "change password": the current password first; this browser stays signed in."""
    if not user.check_password(current_password or ""):
        raise AccountError(_l("That is not your current password."), field="current_password")
    if current_password == new_password:
        raise AccountError(_l("Choose a password different from the current one."), field="password")
    change_password(user, new_password, keep_session_token=user.session_token, origin=origin)
