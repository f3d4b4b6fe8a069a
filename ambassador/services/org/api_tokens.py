"""API tokens: personal access tokens (a member's, never beyond the member's role) and organization
integration tokens (an admin's creation, tied to no person). Both carry scopes (read or write per area),
expire, are shown once and stored as a SHA-256 hash, and can be revoked.

A token reads `amb_pat_<43 random characters>` (personal) or `amb_org_…` (integration): the prefix makes a
leaked token recognizable to secret scanners and people. Creation and revocation are audited."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from ...errors import ServiceError
from ...extensions import db
from ...infra.tokens import hash_token, new_token
from ...models import (
    ROLE_RANK,
    ApiIdempotentResponse,
    ApiToken,
    Membership,
    MemberStatus,
    Organization,
    Role,
    TokenKind,
    utcnow,
)
from ..audit import actions
from ..audit.log import Origin, record

AREAS = ("members", "content", "shares", "analytics", "surveys", "community")
LEVELS = ("read", "write")
SCOPES = tuple(f"{area}:{level}" for area in AREAS for level in LEVELS)
EXPIRY_DAYS = (7, 30, 90, 365)
PREFIXES = {TokenKind.PERSONAL: "amb_pat_", TokenKind.INTEGRATION: "amb_org_"}
MAX_NAME = 80
SHOWN_PREFIX = 12  # characters of the token kept in clear to tell tokens apart: "amb_pat_AbCd"
LAST_USED_PRECISION = timedelta(minutes=1)  # last_used_at is written at most this often per token
IDEMPOTENCY_TTL = timedelta(hours=24)  # a create's response is replayed for retries within this time


class TokenError(ServiceError):
    """A token request the person can fix (no name, no scope, an unknown expiry)."""

    code = "token"


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the token itself: shown once, never stored


def _checked(*, name: str, scopes: list[str], expires_in_days: int) -> tuple[str, str]:
    errors: dict[str, object] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = _l("Give the token a name that says what uses it.")
    elif len(name) > MAX_NAME:
        errors["name"] = lazy_ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", MAX_NAME)
    wanted = [scope for scope in SCOPES if scope in set(scopes or [])]
    if not wanted or len(wanted) != len(set(scopes or [])):
        errors["scopes"] = _l("Choose at least one of the listed permissions.")
    if expires_in_days not in EXPIRY_DAYS:
        errors["expires_in_days"] = _l("Choose one of the listed expiry periods.")
    if errors:
        raise TokenError(field_errors=errors)
    return name, " ".join(wanted)


def _create(*, org: Organization, kind: TokenKind, membership: Membership | None, actor: Membership, name: str,
            scopes: list[str], expires_in_days: int, origin: Origin | None, now: datetime | None) -> NewToken:
    name, scope_text = _checked(name=name, scopes=scopes, expires_in_days=expires_in_days)
    now = now or utcnow()
    secret = PREFIXES[kind] + new_token()
    token = ApiToken(org_id=org.id, kind=kind, membership_id=membership.id if membership else None,
                     created_by_id=actor.user_id, name=name, prefix=secret[:SHOWN_PREFIX],
                     token_hash=hash_token(secret), scopes=scope_text, created_at=now,
                     expires_at=now + timedelta(days=expires_in_days))
    db.session.add(token)
    db.session.flush()
    record(actions.TOKEN_CREATED, org_id=org.id, actor=actor.user, origin=origin, target_type="api_token",
           target_id=token.id, target_label=f"{name} ({token.prefix}…)",
           details={"kind": str(kind), "scopes": scope_text, "expires_at": token.expires_at.isoformat()})
    return NewToken(token=token, secret=secret)


def create_personal_token(*, membership: Membership, name: str, scopes: list[str], expires_in_days: int,
                          origin: Origin | None = None, now: datetime | None = None) -> NewToken:
    """A token that acts as `membership`: its scopes narrow what it may do, the member's role still decides."""
    if not membership.is_active_member:
        raise TokenError(_l("Only active members can create tokens."))
    return _create(org=membership.organization, kind=TokenKind.PERSONAL, membership=membership, actor=membership,
                   name=name, scopes=scopes, expires_in_days=expires_in_days, origin=origin, now=now)


def create_integration_token(*, actor: Membership, name: str, scopes: list[str], expires_in_days: int,
                             origin: Origin | None = None, now: datetime | None = None) -> NewToken:
    """The organization's own token (for another system); only admins create them."""
    if not actor.has_role(Role.ADMIN):
        raise TokenError(_l("Only admins can create integration tokens."), status=403)
    return _create(org=actor.organization, kind=TokenKind.INTEGRATION, membership=None, actor=actor, name=name,
                   scopes=scopes, expires_in_days=expires_in_days, origin=origin, now=now)


def may_revoke(actor: Membership, token: ApiToken) -> bool:
    if token.org_id != actor.org_id or not actor.is_active_member:
        return False
    if token.kind == TokenKind.INTEGRATION:
        return actor.has_role(Role.ADMIN)
    return token.membership_id == actor.id or actor.has_role(Role.ADMIN)


def revoke_token(*, actor: Membership, token: ApiToken, origin: Origin | None = None,
                 now: datetime | None = None) -> ApiToken:
    """Revoke at once: the next request with it gets 401. Revoking twice changes nothing."""
    if not may_revoke(actor, token):
        raise TokenError(_l("You cannot revoke this token."), status=403)
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        db.session.flush()
        record(actions.TOKEN_REVOKED, org_id=token.org_id, actor=actor.user, origin=origin, target_type="api_token",
               target_id=token.id, target_label=f"{token.name} ({token.prefix}…)", details={"kind": token.kind})
    return token


def personal_tokens(membership: Membership) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(
        ApiToken.org_id == membership.org_id, ApiToken.membership_id == membership.id,
        ApiToken.kind == TokenKind.PERSONAL).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def integration_tokens(org: Organization) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(
        ApiToken.org_id == org.id, ApiToken.kind == TokenKind.INTEGRATION)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def token_in_org(*, org: Organization, token_id: int) -> ApiToken | None:
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.org_id == org.id))


def is_live(token: ApiToken, now: datetime | None = None) -> bool:
    return token.revoked_at is None and token.expires_at > (now or utcnow())


def authenticate(secret: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token for `secret` (None when unknown, revoked, expired, or its member is no longer active).
    Notes when it was used (at most once a minute, so reads do not all write)."""
    if not secret or not secret.startswith(tuple(PREFIXES.values())) or len(secret) > 200:
        return None
    now = now or utcnow()
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or not is_live(token, now):
        return None
    if token.kind == TokenKind.PERSONAL and (token.membership is None
                                             or token.membership.status != MemberStatus.ACTIVE):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        db.session.flush()
    return token


def role_of(token: ApiToken) -> str:
    """What the token may do at most: its member's role (personal), an admin's (integration)."""
    if token.kind == TokenKind.INTEGRATION:
        return Role.ADMIN
    assert token.membership is not None
    return token.membership.role


def allows(token: ApiToken, scope: str, *, role: str = Role.AMBASSADOR) -> bool:
    """The token has `scope` ("area:read" is also granted by "area:write") and its role reaches `role`."""
    area, level = scope.split(":")
    granted = token.scope_set
    has_scope = scope in granted or (level == "read" and f"{area}:write" in granted)
    return has_scope and ROLE_RANK[role_of(token)] >= ROLE_RANK[role]


def purge_idempotent_responses(now: datetime | None = None) -> int:
    """Forget the responses kept for Idempotency-Key retries once they are a day old; returns how many."""
    cutoff = (now or utcnow()) - IDEMPOTENCY_TTL
    result = db.session.execute(sa.delete(ApiIdempotentResponse).where(ApiIdempotentResponse.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
