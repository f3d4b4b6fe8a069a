"""Campaigns and the posts curators publish in them."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Model, one_of, utcnow

if TYPE_CHECKING:  # the other side of relationships, for the type checker only
    from .organization import Team


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class PostStatus(enum.StrEnum):
    """draft → (pending_approval →) approved; pending_approval → changes_requested → pending_approval …"""

    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    ARCHIVED = "archived"


class Audience(enum.StrEnum):
    EVERYONE = "everyone"
    INTERNAL = "internal"  # employees (internal members) only


CAMPAIGN_STATUSES = tuple(CampaignStatus)
AUDIENCES = tuple(Audience)

campaign_team = sa.Table(
    "campaign_team",
    db.metadata,
    sa.Column("campaign_id", sa.ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("team_id", sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
)

post_team = sa.Table(
    "post_team",
    db.metadata,
    sa.Column("post_id", sa.ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("team_id", sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
)


class Campaign(Model):
    __tablename__ = "campaign"
    __table_args__ = (sa.UniqueConstraint("org_id", "slug"), one_of("status", CampaignStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    slug: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(sa.String(16), default=CampaignStatus.DRAFT)
    # Curators may offer auto-share: opted-in ambassadors get its posts queued automatically.
    auto_share: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    teams: Mapped[list[Team]] = relationship(secondary=campaign_team)  # noqa: F821
    posts: Mapped[list[Post]] = relationship(back_populates="campaign", order_by="Post.id.desc()")


class Post(Model):
    __tablename__ = "post"
    __table_args__ = (one_of("audience", Audience), one_of("status", PostStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    link_url: Mapped[str] = mapped_column(sa.String(2048))
    preview_title: Mapped[str] = mapped_column(sa.String(300), default="")
    preview_description: Mapped[str] = mapped_column(sa.Text, default="")
    preview_image_url: Mapped[str] = mapped_column(sa.String(2048), default="")
    image_path: Mapped[str | None] = mapped_column(sa.String(255))
    hashtags: Mapped[str] = mapped_column(sa.String(300), default="")
    visible_from: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    audience: Mapped[str] = mapped_column(sa.String(16), default=Audience.EVERYONE)
    status: Mapped[str] = mapped_column(sa.String(24), default=PostStatus.DRAFT, index=True)
    review_comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="posts")
    teams: Mapped[list[Team]] = relationship(secondary=post_team)  # noqa: F821
    captions: Mapped[list[PostCaption]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="PostCaption.network"
    )

    translations: Mapped[list[PostTranslation]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="PostTranslation.lang"
    )

    def caption_for(self, network: str, lang: str) -> str:
        """The caption for a network in one language ("" when there is none); services/content/languages.py
        picks the language for a member."""
        for caption in self.captions:
            if caption.network == network and caption.lang == lang:
                return caption.text
        return ""

    def translation(self, lang: str) -> PostTranslation | None:
        return next((t for t in self.translations if t.lang == lang), None)


class PostTranslation(Model):
    """A post's title and summary in one of its organization's content languages."""

    __tablename__ = "post_translation"
    __table_args__ = (sa.UniqueConstraint("post_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(sa.String(5))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")

    post: Mapped[Post] = relationship(back_populates="translations")


class PostCaption(Model):
    __tablename__ = "post_caption"
    __table_args__ = (sa.UniqueConstraint("post_id", "network", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), index=True)
    network: Mapped[str] = mapped_column(sa.String(16))
    lang: Mapped[str] = mapped_column(sa.String(5))
    text: Mapped[str] = mapped_column(sa.Text, default="")

    post: Mapped[Post] = relationship(back_populates="captions")


class AutoShareOptIn(Model):
    """An ambassador's opt-in to a campaign's auto-share, through one of their accounts."""

    __tablename__ = "auto_share_opt_in"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "membership_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("membership.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("social_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
