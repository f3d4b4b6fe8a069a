"""A campaign's or a post's post-day totals found by (org, campaign, day)

The post and campaign analytics pages read their days, networks, posts and counted clicks from the post-day
totals (services/analytics/scope_rollups.py) instead of the clicks; without this index each read every post's
rows of the window's days (200 posts × 4 networks × 90 days on the bench's organization).

Revision ID: i17pdcamp0001
Revises: i16mteam0001
Create Date: 2026-12-07 09:10:00
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i17pdcamp0001'
down_revision = 'i16mteam0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_rollup_post_day_org_campaign_day", "rollup_post_day", ["org_id", "campaign_id", "day"],
                    unique=False)


def downgrade():
    op.drop_index("ix_rollup_post_day_org_campaign_day", table_name="rollup_post_day")
