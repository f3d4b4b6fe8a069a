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
    engagement: likes + reposts + replies + quotes the networks reported as new on that day for the member's
    shares of that post on that network (readings taken that day, whatever day the share went out; added
    by the engagement job, summed again from the snapshots by a rebuild); reach: not fed (potential reach
    is a figure of each share, read from the shares), NULL = unknown (never 0 for unknown).
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
    # "all", "7", "7p", "quarter"… or "d:<first day>:<last day>" for a custom range someone looked at.
    window: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    first_day: Mapped[date | None]
    last_day: Mapped[date | None]
    built_at: Mapped[datetime | None] = mapped_column(default=utcnow)  # None: asked for, not built yet
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)


class StandingQueued(Model):
    """Additions to one member's standings in one built window, written by the publishing worker's recorder in
    its transaction and added to the standings by the worker within seconds (services/analytics/standings.py
    `add_queued`): many published shares of one member are then one update of their ~40 standings, not one each.
    A rebuild of the window from the cells drops the window's rows (the cells hold their events already), and so
    does a member's rebuild (`refresh_member`) for the member's; dropping a window drops its rows."""

    __tablename__ = "standing_queue"
    __table_args__ = (
        sa.ForeignKeyConstraint(["org_id", "window"], ["standing_window.org_id", "standing_window.window"],
                                ondelete="CASCADE"),
        sa.Index("ix_standing_queue_window", "org_id", "window"),
        sa.Index("ix_standing_queue_member", "membership_id"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    org_id: Mapped[int] = mapped_column()
    window: Mapped[str] = mapped_column(sa.String(24))
    # No foreign key (as the cells): the insert would take a KEY SHARE lock on the member's row. The rows of a
    # member who is gone or inactive are dropped when added (only active members have standings).
    membership_id: Mapped[int] = mapped_column()
    campaign_id: Mapped[int] = mapped_column()
    network: Mapped[str] = mapped_column(sa.String(16))
    points: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    shares: Mapped[int] = mapped_column(default=0)
    clicks: Mapped[int] = mapped_column(default=0)


class Standing(Model):
    """One active member's totals in one window and scope (campaign, network, team; NO_ID / NO_NETWORK for
    all). A board is an index range on (scope, points); "my rank" is one indexed count."""

    __tablename__ = "standing"
    __table_args__ = (
        # Board order (points, then name, then id): the top N of a scope is the first N entries, no sort; kind
        # last, so a board or a rank of one kind reads the index alone.
        sa.Index("ix_standing_scope_order", "org_id", "window", "campaign_id", "network", "team_id",
                 sa.desc("points"), "sort_name", "membership_id", "kind"),
        # The member first: a member's standings (about 40 per window it is in) are one range of the key, which
        # the fan-out of its events upserts together and a member's refresh or erasure reads (no index of its own).
        sa.PrimaryKeyConstraint("membership_id", "org_id", "window", "campaign_id", "network", "team_id"),
    )

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    window: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    team_id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: an insert here would take a KEY SHARE lock on the member's row, and the points ledger
    # then locks that row FOR UPDATE (deadlock between two writers). Deleting a member deletes its rows
    # (services/analytics/rollups.py).
    membership_id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    # The member's name as boards order equal totals (services/analytics/standings.py sort_name()).
    sort_name: Mapped[str] = mapped_column(sa.String(120), default="")
    points: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    shares: Mapped[int] = mapped_column(default=0)
    clicks: Mapped[int] = mapped_column(default=0)


class StandingCount(Model):
    """How many standings of one window and scope hold each points total, per kind (and their shares, clicks and
    sharers): "my rank" is 1 + the members above a total, a sum over a few hundred of these rows instead of a count
    over up to 100,000 standings.
    Kept with the standings in the same transaction (services/analytics/standing_counts.py); a row may fall to
    0 members and stay until its window is rebuilt."""

    __tablename__ = "standing_count"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    window: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    team_id: Mapped[int] = mapped_column(primary_key=True)
    # Points before kind: "members above a total" is one range of the key, with or without a kind filter.
    points: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    members: Mapped[int] = mapped_column(default=0)
    # Sums over those standings: the overview's shares and clicks per team, and its sharing members.
    shares: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    clicks: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    sharers: Mapped[int] = mapped_column(default=0)  # standings with shares > 0


class RollupStamp(Model):
    """A number per organization that every transaction changing what its boards and overview read (standings,
    standing counts, cells, members, names, teams, posts) replaces with a new random one, just before it commits
    (services/analytics/stamps.py): a figure kept in a process's memory is valid while the stamp it was computed
    under is still the one here."""

    __tablename__ = "rollup_stamp"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # Replaced only when who a board ranks may have changed (members joined, left, or changed status, kind, role
    # or teams; a team deleted), with `version` in the same statement: the count of ranked members is kept under
    # it, so the events that move `version` every few seconds do not make every board count 100,000 members
    # again. NULL until the organization's first such change after this column came.
    members_version: Mapped[int | None] = mapped_column(sa.BigInteger)


class RollupPostDay(Measures, Model):
    """The same activity per org-local day × post × network, without the member: the overview's totals,
    series and top posts sum a few hundred rows instead of every member's cells."""

    __tablename__ = "rollup_post_day"
    __table_args__ = (
        sa.Index("ix_rollup_post_day_org_day", "org_id", "day"),
        # A campaign's or a post's days (their analytics pages: services/analytics/scope_rollups.py).
        sa.Index("ix_rollup_post_day_org_campaign_day", "org_id", "campaign_id", "day"),
    )

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(sa.String(16), primary_key=True)


class RollupTeamDay(Model):
    """The same activity per org-local day × team × campaign × network, for the team's members as they are now
    (the by-team rule: an active member's activity, whenever it happened, counts in each team they are in now):
    a team's analytics page sums a few hundred rows instead of its members' shares and clicks. Moved with the
    member when their teams or status change (services/analytics/team_rollups.py)."""

    __tablename__ = "rollup_team_day"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    # No foreign key (as the cells): a deleted team's rows are deleted with it (services/analytics/team_rollups.py).
    team_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(primary_key=True)  # NO_ID when not about a post
    network: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # NO_NETWORK when not about one
    points: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    shares: Mapped[int] = mapped_column(default=0)
    clicks: Mapped[int] = mapped_column(default=0)
    engagement: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class RollupRebuild(Model):
    """An organization whose rollups must be summed again from the raw rows (its activity predates them, or an
    operator asked): the worker's `roll_standings` job does it, batch by batch, resuming from `next_day`.
    While a row exists, boards say their figures are being prepared."""

    __tablename__ = "rollup_rebuild"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    next_day: Mapped[date | None]  # the first day not rebuilt yet (None: from the oldest activity)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
