"""Standing counts (members per points total of each standings window and scope) and the shares' method-moment index

Revision ID: h10hist00001
Revises: h10sink00001
Create Date: 2026-12-05 09:00:00

A new table, filled from the standings already there (one INSERT … SELECT … GROUP BY), so boards rank
correctly from the first request after the upgrade. And an index on the shares by organization, method and the
moment they count (coalesce(published_at, created_at)): the earned media value reads a window's shares published
through linked accounts without reading every share of the window.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h10hist00001'
down_revision = 'h10sink00001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "standing_count",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("window", sa.String(length=24), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.Column("sharers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"],
                                name=op.f("fk_standing_count_org_id_organization"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", "window", "campaign_id", "network", "team_id", "points", "kind",
                                name=op.f("pk_standing_count")),
    )
    op.execute('INSERT INTO standing_count (org_id, "window", campaign_id, network, team_id, points, kind, members, '
               'shares, clicks, sharers) SELECT org_id, "window", campaign_id, network, team_id, points, kind, count(*), '
               'sum(shares), sum(clicks), count(CASE WHEN shares > 0 THEN 1 END) FROM standing '
               'GROUP BY org_id, "window", campaign_id, network, team_id, points, kind')


    op.create_index("ix_share_org_method_moment", "share",
                    ["org_id", "method", sa.text("coalesce(published_at, created_at)")])


def downgrade():
    op.drop_index("ix_share_org_method_moment", table_name="share")
    op.drop_table("standing_count")
