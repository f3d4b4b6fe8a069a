"""Team totals: activity per org-local day × team × campaign × network

A team's analytics page summed its members' shares and clicks (5,000 members: 0.5–0.7 s on the bench's
100,000-member organization); it now reads these rows (services/analytics/team_rollups.py). Filled here from the
cells, for the active members in each team now (the by-team rule), as `rebuild-rollups` would.

Revision ID: i18teamday0001
Revises: i17pdcamp0001
Create Date: 2026-12-07 12:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i18teamday0001'
down_revision = 'i17pdcamp0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rollup_team_day",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("engagement", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"], name=op.f("fk_rollup_team_day_org_id_organization"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", "team_id", "day", "campaign_id", "network", name=op.f("pk_rollup_team_day")),
    )
    op.execute("""
        INSERT INTO rollup_team_day (org_id, team_id, day, campaign_id, network, points, shares, clicks, engagement)
        SELECT c.org_id, mt.team_id, c.day, c.campaign_id, c.network,
               SUM(c.points), SUM(c.shares), SUM(c.clicks), SUM(c.engagement)
        FROM rollup_cell c
        JOIN membership m ON m.id = c.membership_id
        JOIN membership_team mt ON mt.membership_id = c.membership_id
        WHERE m.status = 'active'
        GROUP BY c.org_id, mt.team_id, c.day, c.campaign_id, c.network
    """)


def downgrade():
    op.drop_table("rollup_team_day")
