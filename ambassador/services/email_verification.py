"""Email verification: a signed link proves the person reads the address they signed up with.

Until then the account may sign in and use the product, but may not make the product send email
(invitations, survey invitations, promoter invitations, messages to passives): otherwise anyone
could sign up under someone else's address and mail people in its name. Accepting an invitation
email or a password reset email proves the address too.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from ..models import User, utcnow
from . import user_sessions
from .email import send_email
from .urls import absolute_url

# What a link turns out to be; the page explains each one.
VALID, ALREADY, INVALID = "valid", "already", "invalid"

UNVERIFIED_MESSAGE = _l("Confirm your email address first: use the link we emailed you (you can have it "
                        "sent again from the banner at the top of the page). Until then, Ambassador sends "
                        "no email on your behalf.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-verification")


def make_token(user: User) -> str:
    # The address is in the token: a link for an old address does not verify a new one.
    return _serializer().dumps({"u": user.id, "e": user.email})


def check_token(token: str) -> tuple[User | None, str]:
    """(user, VALID | ALREADY) for a good link, (None, INVALID) for a bad, expired or outdated one."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["EMAIL_VERIFICATION_TTL_SECONDS"])
    except (BadSignature, SignatureExpired):
        return None, INVALID
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or user.email != data.get("e"):
        return None, INVALID
    return user, ALREADY if user.email_verified else VALID


def mark_verified(user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.flush()


def verify(token: str, *, keep_session_token: str | None = None) -> tuple[User | None, str]:
    """Use a link: (user, VALID) the first time, (user, ALREADY) after, (None, INVALID) otherwise.

    Sessions opened before the address was proven belong to whoever typed it, who may not be the
    address's owner: they end, except `keep_session_token`'s (the owner confirming while signed in).
    """
    user, status = check_token(token)
    if status == VALID:
        mark_verified(user)
        user_sessions.revoke_all(user, keep_token=keep_session_token)
    return user, status


def send_verification_email(user: User) -> None:
    link = absolute_url("auth.verify_email", token=make_token(user))
    send_email(to=user.email, subject=_l("Confirm your email address for Ambassador"), template="verify_email",
               locale=user.locale, user=user, link=link)


def send_signup_attempt_email(user: User) -> None:
    """To the owner of an address someone tried to sign up with again: no new account, no org."""
    send_email(to=user.email, subject=_l("Someone tried to sign up to Ambassador with your address"),
               template="signup_attempt", locale=user.locale, user=user,
               login_link=absolute_url("auth.login"),
               reset_link=absolute_url("auth.forgot_password"))


def require_verified(user: User | None, error: type[Exception]) -> None:
    """Raise `error(UNVERIFIED_MESSAGE)` unless `user` has verified their address (every sending service calls this)."""
    if user is None or not user.email_verified:
        raise error(UNVERIFIED_MESSAGE)
