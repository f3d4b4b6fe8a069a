"""Password reset links: signed, expiring, and void once the password changes."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ...extensions import db
from ...infra.email import send_email
from ...infra.urls import absolute_url
from ...models import User
from ..audit.log import Origin
from . import accounts, email_verification


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    # session_version changes with the password, so a used link stops working.
    return _serializer().dumps({"u": user.id, "v": user.session_version})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_TTL_SECONDS"])
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or user.session_version != data.get("v"):
        return None
    return user


def send_reset_email(user: User) -> None:
    token = make_reset_token(user)
    send_email(to=user.email, subject=_l("Reset your Ambassador password"), template="password_reset",
               locale=user.locale, user=user, link=absolute_url("auth.reset_password", token=token))


def reset_password(user: User, password: str, *, origin: Origin | None = None) -> None:
    """Set the new password and sign out every session; the emailed link also proved the address."""
    accounts.change_password(user, password, origin=origin, how="reset")
    email_verification.mark_verified(user)
