"""Drop the standings' per-team sums index: the overview's per-team figures come from the standing counts now

Every change to a standing (about 40 per published share) had to move an entry in this index too, and no query
reads it since the counts sum shares and clicks per team (services/analytics/standing_counts.py per_team).

Revision ID: h9dropts0001
Revises: h10infl00001
Create Date: 2026-12-05 18:05:00
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h9dropts0001'
down_revision = 'h10infl00001'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_standing_team_sums", table_name="standing")


def downgrade():
    op.create_index("ix_standing_team_sums", "standing",
                    ["org_id", "window", "campaign_id", "network", "team_id", "shares", "clicks"])
