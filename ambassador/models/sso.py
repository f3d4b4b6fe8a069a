"""Single sign-on with OpenID Connect: an organization's provider, the people it signed in, pending logins."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, one_of, utcnow
from .organization import MemberKind, Role


class SsoConfig(Model):
    """One organization's OpenID Connect provider (at most one), set by its admins."""

    __tablename__ = "sso_config"
    __table_args__ = (one_of("default_role", Role), one_of("kind", MemberKind))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    # The issuer identifier (its /.well-known/openid-configuration is read) and this client's credentials;
    # the secret is encrypted with infra/crypto (TOKEN_KEYS), like social tokens.
    issuer: Mapped[str] = mapped_column(sa.String(255))
    client_id: Mapped[str] = mapped_column(sa.String(255))
    client_secret_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    # Lower-case email domains, space-separated: only addresses in them sign in (and are sent here by domain).
    allowed_domains: Mapped[str] = mapped_column(sa.String(1000), default="")
    # Password login refused for this organization's members in these domains (its admins keep it).
    require_sso: Mapped[bool] = mapped_column(default=False)
    # The claim whose values give the role, and {claim value: role}; `default_role` when none matches
    # (first login; later logins keep the role unless a value matches).
    role_claim: Mapped[str] = mapped_column(sa.String(64), default="groups")
    role_map: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    default_role: Mapped[str] = mapped_column(sa.String(16), default=Role.AMBASSADOR)
    kind: Mapped[str] = mapped_column(sa.String(16), default=MemberKind.INTERNAL)
    # The claim whose values name teams, and {claim value: team name}; empty: values matching a team's name.
    team_claim: Mapped[str] = mapped_column(sa.String(64), default="groups")
    team_map: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The provider's discovery document and key set as last fetched (keys are fetched again for a new kid).
    provider_metadata: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    jwks: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    jwks_fetched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def domains(self) -> list[str]:
        return (self.allowed_domains or "").split()

    @property
    def has_secret(self) -> bool:
        return bool(self.client_secret_encrypted)


class SsoIdentity(Model):
    """A person the organization's provider signed in: its `sub` tied to the account it provisioned or matched."""

    __tablename__ = "sso_identity"
    __table_args__ = (sa.UniqueConstraint("org_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(sa.String(255))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class SsoLogin(Model):
    """A login sent to the provider and not back yet: the browser's session holds `state`, the row its hash,
    the nonce and the PKCE verifier (encrypted). Used once: `used_at` is set by a conditional UPDATE."""

    __tablename__ = "sso_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    state_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    nonce: Mapped[str] = mapped_column(sa.String(64))
    code_verifier_encrypted: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    used_at: Mapped[datetime | None]
