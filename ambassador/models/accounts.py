"""Linked social accounts, the OAuth clients we register on Mastodon instances, app-wide rate limits."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, one_of, utcnow

if TYPE_CHECKING:  # the other side of relationships, for the type checker only
    from .organization import Membership


# active → needs_reconnect (401 / invalid_grant / expired) → active again after reconnecting;
# disconnected when the member removes it (kept for the history of its shares).
class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    NEEDS_RECONNECT = "needs_reconnect"
    DISCONNECTED = "disconnected"




class SocialAccount(Model):
    """A member's account on a network, with its tokens encrypted at rest (infra/crypto.py)."""

    __tablename__ = "social_account"
    __table_args__ = (sa.UniqueConstraint("membership_id", "provider", "external_id"), one_of("status", AccountStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("membership.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(sa.String(16))  # registry key: linkedin, x, mastodon, bluesky, facebook
    external_id: Mapped[str] = mapped_column(sa.String(255))  # member URN, user id, DID, page id …
    handle: Mapped[str] = mapped_column(sa.String(255), default="")
    display_name: Mapped[str] = mapped_column(sa.String(255), default="")
    profile_url: Mapped[str] = mapped_column(sa.String(2048), default="")
    # Mastodon instance or Bluesky PDS base URL; empty for networks with one home.
    service_url: Mapped[str] = mapped_column(sa.String(255), default="")
    access_token_enc: Mapped[str | None] = mapped_column(sa.Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(sa.Text)
    token_expires_at: Mapped[datetime | None] = mapped_column(index=True)
    scopes: Mapped[str] = mapped_column(sa.String(500), default="")
    # Provider-specific, non-secret details (e.g. Bluesky DID, Facebook page name).
    extra: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default=AccountStatus.ACTIVE, index=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # This account's own rate limit (429 / x-rate-limit-reset): no call before this moment.
    rate_limited_until: Mapped[datetime | None]
    # LinkedIn tokens cannot be refreshed: when we warned the owner before expiry.
    expiry_warned_days: Mapped[int | None]
    # Potential reach: followers (or connections) as the network last reported them; NULL = unknown, never 0.
    followers_count: Mapped[int | None]
    followers_fetched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    membership: Mapped[Membership] = relationship()  # noqa: F821

    @property
    def label(self) -> str:
        return self.display_name or self.handle or self.external_id


class OAuthClient(Model):
    """An app registered on one Mastodon instance (POST /api/v1/apps), reused for everyone there."""

    __tablename__ = "oauth_client"
    __table_args__ = (sa.UniqueConstraint("provider", "service_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(16))
    service_url: Mapped[str] = mapped_column(sa.String(255))
    client_id: Mapped[str] = mapped_column(sa.String(255))
    client_secret_enc: Mapped[str] = mapped_column(sa.Text)
    redirect_uri: Mapped[str] = mapped_column(sa.String(2048))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppRateLimit(Model):
    """An app-wide rate limit of a network (all accounts): no call before `until`."""

    __tablename__ = "app_rate_limit"

    provider: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    # "" for the network's single home, else the instance / PDS URL.
    service_url: Mapped[str] = mapped_column(sa.String(255), primary_key=True, default="")
    until: Mapped[datetime]
