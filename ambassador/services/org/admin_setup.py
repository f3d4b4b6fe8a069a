"""Bootstrap an administrator from the command line."""
from __future__ import annotations

import sqlalchemy as sa

from ...extensions import db
from ...models import MemberKind, Membership, MemberStatus, Organization, Role, User, utcnow
from ..audit.log import CLI
from . import accounts
from .organizations import create_organization


def ensure_admin(*, email: str, org_slug: str, name: str = "", password: str) -> tuple[User, Organization, bool]:
    if len(password) < accounts.MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password needs at least {accounts.MIN_PASSWORD_LENGTH} characters.")
    user = accounts.find_user(email)
    created = user is None
    if user is None:
        user = accounts.create_user(email=email, password=password, name=name, verified=True)
    else:
        # The policy applies; every old session ends.
        accounts.change_password(user, password, origin=CLI, how="set_by_operator")
        user.email_verified_at = user.email_verified_at or utcnow()  # the operator vouches for the address
    org = db.session.scalar(sa.select(Organization).where(Organization.slug == org_slug))
    if org is None:
        org = create_organization(name=org_slug.replace("-", " ").title(), owner=user, slug=org_slug)
        return user, org, created
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.org_id == org.id, Membership.user_id == user.id))
    if membership is None:
        db.session.add(Membership(org_id=org.id, user_id=user.id, role=Role.ADMIN, kind=MemberKind.INTERNAL,
                                  source="cli"))
    else:
        membership.role, membership.status = Role.ADMIN, MemberStatus.ACTIVE
    db.session.flush()
    return user, org, created
