"""Rollup cells (day × member × post × network) and leaderboard standings

Revision ID: h9roll000001
Revises: h9enga000001
Create Date: 2026-12-05 03:10:00

New tables only: nothing to rebuild on SQLite. No foreign key to membership (a KEY SHARE lock per insert
would deadlock with the ledger's FOR UPDATE lock on the member); the service deletes a member's rows.
Every existing organization is queued in `rollup_rebuild`: the worker sums its rollups from the raw rows
within minutes of starting (or run `flask ambassador rebuild-rollups` at once); boards say so meanwhile.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h9roll000001'
down_revision = 'h9enga000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rollup_cell",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("engagement", sa.BigInteger(), nullable=False),
        sa.Column("reach", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"],
                                name=op.f("fk_rollup_cell_org_id_organization"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", "day", "membership_id", "post_id", "network", name=op.f("pk_rollup_cell")),
    )
    op.create_index("ix_rollup_cell_org_campaign_day", "rollup_cell", ["org_id", "campaign_id", "day"])
    op.create_index("ix_rollup_cell_member_day", "rollup_cell", ["membership_id", "day"])
    op.create_table(
        "rollup_post_day",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("engagement", sa.BigInteger(), nullable=False),
        sa.Column("reach", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"],
                                name=op.f("fk_rollup_post_day_org_id_organization"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", "day", "post_id", "network", name=op.f("pk_rollup_post_day")),
    )
    op.create_index("ix_rollup_post_day_org_day", "rollup_post_day", ["org_id", "day"])
    op.create_table(
        "standing_window",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("window", sa.String(length=24), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("built_at", sa.DateTime(), nullable=True),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"],
                                name=op.f("fk_standing_window_org_id_organization"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", "window", name=op.f("pk_standing_window")),
    )
    op.create_table(
        "standing",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("window", sa.String(length=24), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sort_name", sa.String(length=120), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"],
                                name=op.f("fk_standing_org_id_organization"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", "window", "campaign_id", "network", "team_id", "membership_id",
                                name=op.f("pk_standing")),
    )
    op.create_index("ix_standing_scope_order", "standing",
                    ["org_id", "window", "campaign_id", "network", "team_id", sa.text("points DESC"), "sort_name",
                     "membership_id", "kind"])
    # Boards and the overview count the members they rank (of a kind, a role) from the index alone.
    op.create_index("ix_membership_org_status_kind", "membership", ["org_id", "status", "kind", "role"])
    op.create_index("ix_standing_member", "standing", ["membership_id"])
    op.create_index("ix_standing_team_sums", "standing",
                    ["org_id", "window", "campaign_id", "network", "team_id", "shares", "clicks"])
    op.create_table(
        "rollup_rebuild",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("next_day", sa.Date(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"],
                                name=op.f("fk_rollup_rebuild_org_id_organization"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_rollup_rebuild")),
    )
    # Every organization that exists now has activity the new tables have not seen: the worker sums it
    # (jobs/tasks.py roll_standings), and boards say so meanwhile.
    op.execute("INSERT INTO rollup_rebuild (org_id, next_day, requested_at) SELECT id, NULL, CURRENT_TIMESTAMP "
               "FROM organization")
    # Boards list members at equal points by name (services/analytics/boards.py sort_name).
    op.create_index("ix_user_sort_name", "user", [sa.text("lower(coalesce(name, ''))")])
    # The organization's engagement readings in time order (rebuilds, the overview's engagement line).
    op.create_index("ix_engagement_snapshot_org_taken", "engagement_snapshot", ["org_id", "taken_at"])
    # "My activity" and the points history read one member's ledger in time order.
    op.create_index("ix_points_member_created", "points_entry", ["membership_id", "created_at"])


def downgrade():
    op.drop_index("ix_engagement_snapshot_org_taken", table_name="engagement_snapshot")
    op.drop_index("ix_user_sort_name", table_name="user")
    op.drop_index("ix_points_member_created", table_name="points_entry")
    op.drop_index("ix_membership_org_status_kind", table_name="membership")
    op.drop_table("rollup_rebuild")
    op.drop_index("ix_standing_team_sums", table_name="standing")
    op.drop_index("ix_standing_member", table_name="standing")
    op.drop_index("ix_standing_scope_order", table_name="standing")
    op.drop_table("standing")
    op.drop_table("standing_window")
    op.drop_index("ix_rollup_post_day_org_day", table_name="rollup_post_day")
    op.drop_table("rollup_post_day")
    op.drop_index("ix_rollup_cell_member_day", table_name="rollup_cell")
    op.drop_index("ix_rollup_cell_org_campaign_day", table_name="rollup_cell")
    op.drop_table("rollup_cell")
