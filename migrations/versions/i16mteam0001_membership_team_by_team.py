"""A team's members found by the team: an index on membership_team (team_id, membership_id)

The primary key starts with the member, so "the members of team T" (a team's analytics page, a team board
summed from the cells) read every row of membership_team: 100,000 and more in a large organization.

Revision ID: i16mteam0001
Revises: i15stkey0001
Create Date: 2026-12-07 09:00:00
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i16mteam0001'
down_revision = 'i15stkey0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_membership_team_team", "membership_team", ["team_id", "membership_id"], unique=False)


def downgrade():
    op.drop_index("ix_membership_team_team", table_name="membership_team")
