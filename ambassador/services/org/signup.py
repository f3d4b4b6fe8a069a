"""Sign-up that does not reveal who has an account: creating an organization (/signup) or joining
one through its join link or a promoter's invitation (/join/<token>, /promoters/join/<token>).

A known address and a new one get the same answer ("check your email"). For a new address the
account (and its organization, or its membership) is created, unverified, and a verification link
is emailed; the link signs the person in. For a known address nothing is created and the owner is
told by email that someone used it (with links to sign in or reset the password, and to join).
Until verified an account cannot sign in with its password (services/accounts.authenticate).
"""
from __future__ import annotations

from collections.abc import Callable

from werkzeug.security import generate_password_hash

from ...models import Membership, Organization, User
from . import accounts, email_verification, organizations


def _known(email: str, password: str, *, name: str) -> User | None:
    """Check the password policy (for every address alike), then return the account of `email`, if any.

    For a known address the key derivation still runs, as a new account's would: equal timing.
    """
    accounts.check_new_password(password, email=email, name=name)
    existing = accounts.find_user(email)
    if existing is not None:
        generate_password_hash(password)
    return existing


def sign_up(*, email: str, password: str, name: str, org_name: str, locale: str | None,
            disclosure: str = "") -> User | None:
    """The new, unverified user (their organization created), or None when the address is taken.

    Raises AccountError only for what does not depend on the address being known (the password
    policy), so the answer never tells whether an account exists.
    """
    existing = _known(email, password, name=name)
    if existing is not None:
        email_verification.send_signup_attempt_email(existing)
        return None
    user = accounts.create_user(email=email, password=password, name=name, locale=locale, policy_checked=True)
    organizations.create_organization(name=org_name, owner=user, default_locale=locale or "en",
                                      disclosure=disclosure or "")
    email_verification.send_verification_email(user)
    return user


def sign_up_to_join(*, email: str, password: str, name: str, org: Organization,
                    join: Callable[[User], Membership], join_link: str) -> Membership | None:
    """A new, unverified account that `join(user)` makes a member of `org` (pending or not), its
    verification link landing in `org`; or None when the address is taken: then nothing is created
    and the owner is emailed `join_link` (sign in, then join).

    Raises AccountError (password policy) for every address alike, and what `join` raises.
    """
    existing = _known(email, password, name=name)
    if existing is not None:
        email_verification.send_join_attempt_email(existing, org=org, join_link=join_link)
        return None
    user = accounts.create_user(email=email, password=password, name=name, locale=org.default_locale,
                                policy_checked=True)
    membership = join(user)
    email_verification.send_verification_email(user, org=org)
    return membership
