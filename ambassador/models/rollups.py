"""Rollups of the activity rows (points ledger, counted shares, counted clicks) and the standings read
by leaderboards. Both are derived: the raw rows stay the truth, `flask ambassador rebuild-rollups`
rebuilds them (services/analytics/rollups.py, standings.py).
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, utcnow

# "No campaign / post / network" in rollup keys (points for ideas, votes, adjustments…): keys never hold NULL,
# so one unique key covers every cell on SQLite and PostgreSQL alike.
NO_ID = 0
NO_NETWORK = ""


class Measures:
    """What a rollup row counts (mixed into both rollup tables)."""

    campaign_id: Mapped[int] = mapped_column(default=NO_ID)
    points: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    shares: Mapped[int] = mapped_column(default=0)
    clicks: Mapped[int] = mapped_column(default=0)
    engagement: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    reach: Mapped[int | None] = mapped_column(sa.BigInteger)


class RollupCell(Measures, Model):
    """Activity per org-local day × member × post × network (campaign kept alongside for filtering).

    points: earned points (spending left out); shares: counted shares; clicks: counted clicks;
    engagement: what the networks report (filled by the engagement job); reach: potential reach,
    NULL while unknown (never 0 for unknown).
    """

    __tablename__ = "rollup_cell"
    __table_args__ = (
        sa.Index("ix_rollup_cell_org_campaign_day", "org_id", "campaign_id", "day"),
        sa.Index("ix_rollup_cell_member_day", "membership_id", "day"),
    )

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    # No foreign key: an insert here would take a KEY SHARE lock on the member's row, and the points ledger
    # then locks that row FOR UPDATE (deadlock between two writers). Deleting a member deletes its rows
    # (services/analytics/rollups.py).
    membership_id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(primary_key=True)  # NO_ID when not about a post
    network: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # NO_NETWORK when not about one


class StandingWindow(Model):
    """Which days the standings of one organization's window cover (all time: no days)."""

    __tablename__ = "standing_window"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    window: Mapped[str] = mapped_column(sa.String(12), primary_key=True)  # "all", "7", "7p", "quarter"…
    first_day: Mapped[date | None]
    last_day: Mapped[date | None]
    built_at: Mapped[datetime] = mapped_column(default=utcnow)


class Standing(Model):
    """One active member's totals in one window and scope (campaign, network, team; NO_ID / NO_NETWORK for
    all). A board is an index range on (scope, points); "my rank" is one indexed count."""

    __tablename__ = "standing"
    __table_args__ = (
        sa.Index("ix_standing_scope_points", "org_id", "window", "campaign_id", "network", "team_id", "points"),
        sa.Index("ix_standing_member", "membership_id"),
    )

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    window: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    team_id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: an insert here would take a KEY SHARE lock on the member's row, and the points ledger
    # then locks that row FOR UPDATE (deadlock between two writers). Deleting a member deletes its rows
    # (services/analytics/rollups.py).
    membership_id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    points: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    shares: Mapped[int] = mapped_column(default=0)
    clicks: Mapped[int] = mapped_column(default=0)


class RollupPostDay(Measures, Model):
    """The same activity per org-local day × post × network, without the member: the overview's totals,
    series and top posts sum a few hundred rows instead of every member's cells."""

    __tablename__ = "rollup_post_day"
    __table_args__ = (sa.Index("ix_rollup_post_day_org_day", "org_id", "day"),)

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
