"""An index of the shares being published, by account: a claim skips accounts with a share in flight in any worker

Revision ID: h10infl00001
Revises: h12hooks0001
Create Date: 2026-12-05 15:10:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h10infl00001'
down_revision = 'h12hooks0001'
branch_labels = None
depends_on = None

_IN_FLIGHT = sa.text("status = 'publishing'")


def upgrade():
    op.create_index("ix_share_account_publishing", "share", ["account_id"], sqlite_where=_IN_FLIGHT,
                    postgresql_where=_IN_FLIGHT)


def downgrade():
    op.drop_index("ix_share_account_publishing", table_name="share")
