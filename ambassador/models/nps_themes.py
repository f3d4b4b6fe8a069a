"""Themes managers define for NPS comments, and the tags they put on responses."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, one_of, utcnow


class TagSource(enum.StrEnum):
    AUTO = "auto"  # the keyword matcher
    MANUAL = "manual"  # a manager


TAG_SOURCES = tuple(TagSource)


class Theme(Model):
    """A theme ("Service", "Price"…) recognised in comments by its keywords (any of en/nl/fr)."""

    __tablename__ = "nps_theme"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    keywords: Mapped[list] = mapped_column(sa.JSON, default=list)  # ["service", "personeel", "accueil", …]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResponseTag(Model):
    """A theme on a response. `source` says who decided: the keyword matcher ("auto") or a manager
    ("manual"). A manager's removal is kept as a row with removed=True, so re-tagging never brings
    the theme back; re-tagging only adds or drops "auto" rows."""

    __tablename__ = "nps_response_tag"
    __table_args__ = (sa.UniqueConstraint("response_id", "theme_id"), one_of("source", TagSource))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_response.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("nps_theme.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(sa.String(8), default=TagSource.AUTO)
    removed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    theme: Mapped[Theme] = relationship()
