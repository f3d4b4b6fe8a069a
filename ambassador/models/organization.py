"""Organizations, their members, teams and invitations."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Model, one_of, utcnow

if TYPE_CHECKING:  # the other side of relationships, for the type checker only
    from .user import User


class Role(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    CURATOR = "curator"
    AMBASSADOR = "ambassador"


class MemberKind(enum.StrEnum):
    """Employees are internal; customers, partners and fans external (each kind has its own disclosure)."""

    INTERNAL = "internal"
    EXTERNAL = "external"


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    PENDING = "pending"  # asked to join, waiting for approval
    DEACTIVATED = "deactivated"


class DigestFrequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


ROLES = tuple(Role)
KINDS = tuple(MemberKind)
MEMBER_STATUSES = tuple(MemberStatus)

# Which roles include which abilities (admin ⊃ manager ⊃ curator ⊃ ambassador).
ROLE_RANK: dict[str, int] = {Role.AMBASSADOR: 0, Role.CURATOR: 1, Role.MANAGER: 2, Role.ADMIN: 3}

membership_team = sa.Table(
    "membership_team",
    db.metadata,
    sa.Column("membership_id", sa.ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("team_id", sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
    # A team's members without reading every membership's teams (team pages, team boards computed afresh).
    sa.Index("ix_membership_team_team", "team_id", "membership_id"),
)

invitation_team = sa.Table(
    "invitation_team",
    db.metadata,
    sa.Column("invitation_id", sa.ForeignKey("invitation.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("team_id", sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
)


# The languages the product speaks, and so the ones posts can be written in.
CONTENT_LANGUAGES = ("en", "nl", "fr")


class Organization(Model):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(63), unique=True)
    logo_path: Mapped[str | None] = mapped_column(sa.String(255))
    # The admin's brand colour, "#rrggbb" (None: the product's own); services/org/branding.py derives
    # the accessible variants the per-organization stylesheet uses.
    brand_color: Mapped[str | None] = mapped_column(sa.String(7))
    # When an admin hid the getting-started checklist (None: shown until every step is done).
    setup_dismissed_at: Mapped[datetime | None]
    default_locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    # The languages posts are written in, space-separated ("en nl fr"); empty: the default locale only.
    content_languages: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")
    # Days (for daily caps and leaderboard windows) are counted in this zone.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Brussels")
    # What every share says about the sharer's tie to the organization, kept in the text:
    # `disclosure` for employees (internal members, e.g. #employee), `disclosure_external`
    # for customers, partners and fans (e.g. #ad or #partner). Empty: none.
    disclosure: Mapped[str] = mapped_column(sa.String(40), default="")
    disclosure_external: Mapped[str] = mapped_column(sa.String(40), default="#ad", server_default="#ad")
    points_share: Mapped[int] = mapped_column(default=5)
    points_click: Mapped[int] = mapped_column(default=1)
    daily_share_points_cap: Mapped[int] = mapped_column(default=50)
    daily_click_points_cap: Mapped[int] = mapped_column(default=100)
    # Taking part in the community (issue: NPS, community, rewards); each reason has this daily cap.
    points_idea: Mapped[int] = mapped_column(default=10)
    points_vote: Mapped[int] = mapped_column(default=1)
    points_survey: Mapped[int] = mapped_column(default=5)
    daily_community_points_cap: Mapped[int] = mapped_column(default=30)
    # Employee NPS: no figure, comment or keyword is shown for fewer answers than this (never below 3).
    enps_min_group: Mapped[int] = mapped_column(default=5, server_default="5")
    posts_require_approval: Mapped[bool] = mapped_column(default=False)
    join_requires_approval: Mapped[bool] = mapped_column(default=False)
    join_enabled: Mapped[bool] = mapped_column(default=True)
    join_token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    # The ISO week ("2026-W49") whose results were last posted to Slack/Teams (services/notify/results.py).
    results_period: Mapped[str | None] = mapped_column(sa.String(10))
    # Audit events older than this many days are purged by the worker (services/audit/retention.py).
    audit_retention_days: Mapped[int] = mapped_column(default=730, server_default="730")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    teams: Mapped[list[Team]] = relationship(back_populates="organization", order_by="Team.name")
    memberships: Mapped[list[Membership]] = relationship(back_populates="organization")

    @property
    def post_languages(self) -> list[str]:
        """The languages its posts are written in, the default locale first."""
        others = [lang for lang in (self.content_languages or "").split()
                  if lang != self.default_locale and lang in CONTENT_LANGUAGES]
        return [self.default_locale, *others]

    def disclosure_for(self, kind: str) -> str:
        """The disclosure a member of this kind ("internal" or "external") shares with."""
        return ((self.disclosure if kind == MemberKind.INTERNAL else self.disclosure_external) or "").strip()


class Team(Model):
    __tablename__ = "team"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    # A team join link recruits straight into the team (e.g. a store's customers).
    join_token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    # The customer survey segment or store whose answers are this team's customers (eNPS beside customer NPS);
    # empty: the segment or store that has the team's own name.
    customer_place: Mapped[str] = mapped_column(sa.String(80), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="teams")
    memberships: Mapped[list[Membership]] = relationship(secondary=membership_team, back_populates="teams")


class Membership(Model):
    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("org_id", "user_id"), one_of("role", Role), one_of("kind", MemberKind),
                      one_of("status", MemberStatus), one_of("digest_frequency", DigestFrequency),
                      # Boards and the overview count the members they rank (of a kind, a role) from the index alone.
                      sa.Index("ix_membership_org_status_kind", "org_id", "status", "kind", "role"))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.AMBASSADOR)
    kind: Mapped[str] = mapped_column(sa.String(16), default=MemberKind.INTERNAL)
    status: Mapped[str] = mapped_column(sa.String(16), default=MemberStatus.ACTIVE)
    # Preferred local times for "add to my queue", e.g. "08:30,12:15,17:45" (member's time zone).
    queue_times: Mapped[str] = mapped_column(sa.String(120), default="08:30,12:15,17:45")
    # The "Get set up" panel on the feed: when the member saved their queue times, when they hid the panel.
    queue_times_chosen_at: Mapped[datetime | None]
    setup_dismissed_at: Mapped[datetime | None]
    # Asked to be nudged towards sharing (offered to employee-NPS promoters; it records no score).
    share_nudge_at: Mapped[datetime | None]
    # Where the member came from: invite, join, csv, signup, demo …
    source: Mapped[str] = mapped_column(sa.String(32), default="invite")
    # Email digest (services/notify/digests.py): "daily", "weekly" or "off"; the period last sent
    # ("2026-12-05" or "2026-W49", claimed by a conditional UPDATE) and when.
    digest_frequency: Mapped[str] = mapped_column(sa.String(8), default="weekly", server_default="weekly")
    digest_period: Mapped[str | None] = mapped_column(sa.String(10))
    digest_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")
    teams: Mapped[list[Team]] = relationship(secondary=membership_team, back_populates="memberships")

    def has_role(self, role: str) -> bool:
        return self.status == MemberStatus.ACTIVE and ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def disclosure(self) -> str:
        """The disclosure this member's shares carry (their organization's, for their kind)."""
        return self.organization.disclosure_for(self.kind)

    @property
    def is_active_member(self) -> bool:
        return self.status == MemberStatus.ACTIVE


class Invitation(Model):
    """A single-use, expiring invitation; only the token's hash is stored."""

    __tablename__ = "invitation"
    __table_args__ = (one_of("role", Role), one_of("kind", MemberKind))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.AMBASSADOR)
    kind: Mapped[str] = mapped_column(sa.String(16), default=MemberKind.INTERNAL)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    source: Mapped[str] = mapped_column(sa.String(32), default="invite")
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship()
    teams: Mapped[list[Team]] = relationship(secondary=invitation_team)


class OutboxEmail(Model):
    """Every email we send is kept here; without SMTP it is only kept (development)."""

    __tablename__ = "outbox_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    to: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    # Extra headers as JSON (e.g. List-Unsubscribe and List-Unsubscribe-Post on digests).
    headers: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
