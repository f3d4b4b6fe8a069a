"""Creating organizations and their settings."""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from ...extensions import db
from ...infra.tokens import new_token
from ...models import MemberKind, Membership, MemberStatus, Organization, Role, User

RESERVED_SLUGS = {"admin", "api", "s", "static", "login", "logout", "signup", "join", "healthz"}


def all_ids() -> list[int]:
    """Every organization's id, in order (jobs that work one organization at a time)."""
    return list(db.session.scalars(sa.select(Organization.id).order_by(Organization.id)))


def get(org_id: int) -> Organization:
    return db.session.get_one(Organization, org_id)


def id_for_slug(slug: str) -> int | None:
    return db.session.scalar(sa.select(Organization.id).where(Organization.slug == slug))


def slugify(text: str, *, max_length: int = 63) -> str:
    normalized = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", normalized.lower()).strip("-")
    return slug[:max_length].strip("-") or "org"


def unique_org_slug(name: str) -> str:
    base = slugify(name, max_length=55)
    if base in RESERVED_SLUGS:
        base = f"{base}-org"
    slug, n = base, 2
    while db.session.scalar(sa.select(Organization.id).where(Organization.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_organization(*, name: str, owner: User, slug: str | None = None, default_locale: str = "en",
                        disclosure: str = "") -> Organization:
    """A new organization with `owner` as its first admin."""
    org = Organization(
        name=name.strip(),
        slug=slug or unique_org_slug(name),
        default_locale=default_locale,
        disclosure=disclosure.strip(),
        join_token=new_token(),
    )
    db.session.add(org)
    db.session.flush()
    db.session.add(Membership(org_id=org.id, user_id=owner.id, role=Role.ADMIN, kind=MemberKind.INTERNAL,
                              status=MemberStatus.ACTIVE, source="signup"))
    db.session.flush()
    return org
