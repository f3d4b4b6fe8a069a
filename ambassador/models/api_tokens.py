"""API tokens (personal and organization integration tokens) and the responses kept for idempotent creates."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, one_of, utcnow

if TYPE_CHECKING:
    from .organization import Membership


class TokenKind(enum.StrEnum):
    PERSONAL = "personal"  # acts as its member, never beyond the member's role
    INTEGRATION = "integration"  # the organization's, created by an admin, tied to no person


class ApiToken(Model):
    """A bearer token for /api/v1. Only the SHA-256 of the token is stored (it has 256 random bits, so a
    fast hash is enough: nothing to brute-force); `prefix` is its first characters, shown to tell tokens apart."""

    __tablename__ = "api_token"
    __table_args__ = (one_of("kind", TokenKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default=TokenKind.PERSONAL)
    # The member a personal token acts as (None for an integration token).
    membership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("membership.id", ondelete="CASCADE"),
                                                      index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(80))
    prefix: Mapped[str] = mapped_column(sa.String(20))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Space-separated "area:read" / "area:write" (services/org/api_tokens.py lists the areas).
    scopes: Mapped[str] = mapped_column(sa.String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    membership: Mapped[Membership | None] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class ApiIdempotentResponse(Model):
    """The response a create gave for (token, Idempotency-Key): a retry with the same key and body gets it
    again instead of creating twice; the same key with another body is refused."""

    __tablename__ = "api_idempotent_response"
    __table_args__ = (sa.UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(sa.ForeignKey("api_token.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(255))
    # SHA-256 of the method, path and body: the same key for another request is a client's mistake.
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    http_status: Mapped[int]  # the kept response's HTTP status (not a state: no enum)
    body: Mapped[str] = mapped_column(sa.Text)
    location: Mapped[str] = mapped_column(sa.String(2048), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
