"""Sign-up that does not reveal who has an account.

A known address and a new one get the same answer ("check your email"). For a new address the
account and its organization are created, unverified, and a verification link is emailed; the link
signs the person in. For a known address nothing is created and the owner is told by email that
someone tried to sign up with it (with links to sign in or reset the password).
"""
from __future__ import annotations

from werkzeug.security import generate_password_hash

from ..models import User
from . import accounts, email_verification, organizations


def sign_up(*, email: str, password: str, name: str, org_name: str, locale: str | None,
            disclosure: str = "") -> User | None:
    """The new, unverified user (their organization created), or None when the address is taken.

    Raises AccountError only for what does not depend on the address being known (the password
    policy), so the answer never tells whether an account exists.
    """
    accounts.check_new_password(password, email=email, name=name)
    existing = accounts.find_user(email)
    if existing is not None:
        generate_password_hash(password)  # the same key-derivation work as a new account: equal timing
        email_verification.send_signup_attempt_email(existing)
        return None
    user = accounts.create_user(email=email, password=password, name=name, locale=locale)
    organizations.create_organization(name=org_name, owner=user, default_locale=locale or "en",
                                      disclosure=disclosure or "")
    email_verification.send_verification_email(user)
    return user
