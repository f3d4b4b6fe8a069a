"""Email verification: a signed link proves the person reads the address they signed up with.

Until then the account cannot sign in with its password (services/accounts.authenticate answers
exactly as for a wrong password, and emails a fresh link): whoever typed someone else's address
at sign-up or on a join link never gets in, and the answer to a log-in does not tell whether the
address was new. The link signs the person in (and, after a join, lands them in the organization).
An account also may not make the product send email (invitations, survey invitations, promoter
invitations, messages to passives) until verified. Accepting an invitation email or a password
reset email proves the address too.

Emails that anyone can trigger for an address (a fresh link, "someone used your address") are
throttled per address (FORM_THROTTLES "verification_email", "known_address_email"); over the
limit they are silently not sent, so the answer stays the same.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ...extensions import db
from ...infra import throttle
from ...infra.email import send_email
from ...infra.urls import absolute_url
from ...models import Membership, MemberStatus, Organization, User, utcnow
from . import sessions

# What a link turns out to be; the page explains each one.
VALID, ALREADY, INVALID = "valid", "already", "invalid"

UNVERIFIED_MESSAGE = _l("Confirm your email address first: use the link we emailed you (you can have it "
                        "sent again from the banner at the top of the page). Until then, Ambassador sends "
                        "no email on your behalf.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-verification")


def make_token(user: User, *, org_id: int | None = None) -> str:
    # The address is in the token: a link for an old address does not verify a new one.
    # `org_id`: the organization joined at sign-up, where the link lands the person.
    data = {"u": user.id, "e": user.email}
    if org_id is not None:
        data["o"] = org_id
    return _serializer().dumps(data)


def _data(token: str) -> dict | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config["EMAIL_VERIFICATION_TTL_SECONDS"])
    except (BadSignature, SignatureExpired):
        return None
    return data if isinstance(data, dict) else None


def check_token(token: str) -> tuple[User | None, str]:
    """(user, VALID | ALREADY) for a good link, (None, INVALID) for a bad, expired or outdated one."""
    data = _data(token)
    if data is None:
        return None, INVALID
    user = db.session.get(User, data.get("u"))
    if user is None or user.email != data.get("e"):
        return None, INVALID
    return user, ALREADY if user.email_verified else VALID


def joined_membership(token: str, user: User) -> Membership | None:
    """`user`'s membership of the organization a (valid) link was sent for joining, if any."""
    org_id = (_data(token) or {}).get("o")
    if not isinstance(org_id, int):
        return None
    return db.session.scalar(sa.select(Membership).where(Membership.org_id == org_id, Membership.user_id == user.id,
                                                         Membership.status != MemberStatus.DEACTIVATED))


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
    if status == VALID and user is not None:
        mark_verified(user)
        sessions.revoke_all(user, keep_token=keep_session_token)
    return user, status


def send_verification_email(user: User, *, org: Organization | None = None) -> None:
    """The confirmation link; with `org`, the person signed up to join it and the link lands them there."""
    link = absolute_url("auth.verify_email", token=make_token(user, org_id=org.id if org is not None else None))
    subject = (_l("Confirm your email address to join %(org)s", org=org.name) if org is not None
               else _l("Confirm your email address for Ambassador"))
    send_email(to=user.email, subject=subject, template="verify_email", locale=user.locale, user=user, link=link,
               org=org)


def send_again(user: User) -> bool:
    """A fresh link for an unverified account, not sent over FORM_THROTTLES["verification_email"]
    (per address); True when one was sent. Ends the transaction (infra/throttle.py)."""
    if not user.email_verified and throttle.allowed("verification_email", user.email):
        send_verification_email(user)
        return True
    return False


def _tell_known_address(user: User, **email) -> None:
    """Someone typed this account's address into a public form: tell its owner, at most
    FORM_THROTTLES["known_address_email"] times per address (then silently nothing: no mail bomb)."""
    if throttle.allowed("known_address_email", user.email):
        send_email(to=user.email, locale=user.locale, user=user, login_link=absolute_url("auth.login"),
                   reset_link=absolute_url("auth.forgot_password"), **email)


def send_signup_attempt_email(user: User) -> None:
    """To the owner of an address someone tried to sign up with again: no new account, no org."""
    _tell_known_address(user, subject=_l("Someone tried to sign up to Ambassador with your address"),
                        template="signup_attempt")


def send_join_attempt_email(user: User, *, org: Organization, join_link: str) -> None:
    """To the owner of an address someone asked to join `org` with: nothing was created; to join,
    sign in and open the join link."""
    _tell_known_address(user, subject=_l("Someone asked to join %(org)s with your address", org=org.name),
                        template="join_attempt", org=org, join_link=join_link)


def require_verified(user: User | None, error: type[Exception]) -> None:
    """Raise `error(UNVERIFIED_MESSAGE)` unless `user` has verified their address (every sending service calls this)."""
    if user is None or not user.email_verified:
        raise error(UNVERIFIED_MESSAGE)
