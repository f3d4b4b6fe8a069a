"""Earned media value: an organization's coefficients per network, its currency, and every change to them.

Money is exact: coefficients are stored as whole ten-thousandths of the currency unit (an integer column,
read and written as `Decimal`), so neither SQLite (which has no decimal type and would go through float)
nor PostgreSQL rounds them.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, utcnow

COEFFICIENT_PLACES = 4
_SCALE = 10 ** COEFFICIENT_PLACES


class Money4(sa.types.TypeDecorator):
    """A non-negative Decimal with at most 4 decimal places, stored as an integer count of 1/10,000."""

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value) * _SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {COEFFICIENT_PLACES} decimal places")
        return int(scaled)

    def process_result_value(self, value: int | None, dialect) -> Decimal | None:
        return None if value is None else Decimal(int(value)) / _SCALE


class EmvSettings(Model):
    """An organization's EMV currency and the version of its coefficients (bumped on every saved change)."""

    __tablename__ = "emv_settings"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


class EmvRate(Model):
    """The value of one network's potential impressions (per 1,000), counted clicks and engagements."""

    __tablename__ = "emv_rate"
    __table_args__ = (sa.UniqueConstraint("org_id", "network"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"))
    network: Mapped[str] = mapped_column(sa.String(16))
    per_thousand_impressions: Mapped[Decimal] = mapped_column(Money4)
    per_click: Mapped[Decimal] = mapped_column(Money4)
    per_engagement: Mapped[Decimal] = mapped_column(Money4)


class EmvChange(Model):
    """One changed value (a coefficient or the currency): who, when, old → new, and the version it made."""

    __tablename__ = "emv_change"
    __table_args__ = (sa.Index("ix_emv_change_org_changed", "org_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"))
    version: Mapped[int]
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The person is kept by name too: the history still says who after their account is gone.
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    changed_by_name: Mapped[str] = mapped_column(sa.String(254), default="")
    network: Mapped[str | None] = mapped_column(sa.String(16))  # None for the currency
    setting: Mapped[str] = mapped_column(sa.String(32))  # currency | per_thousand_impressions | per_click | …
    old_value: Mapped[str] = mapped_column(sa.String(32))
    new_value: Mapped[str] = mapped_column(sa.String(32))
