"""A second rollup stamp that moves only when who a board ranks may have changed

A board computed afresh counted the members it ranks again after every event (the one stamp moves on each):
10-34 ms at 100,000 members. The count is now kept under `members_version`, which only membership and team
changes move (services/analytics/stamps.py).

Revision ID: h9memst00001
Revises: h9dropts0001
Create Date: 2026-12-05 19:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h9memst00001'
down_revision = 'h9dropts0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rollup_stamp") as batch:
        batch.add_column(sa.Column("members_version", sa.BigInteger(), nullable=True))
    # The current stamp stands for the current members too (a random number, never seen before as a members stamp).
    op.execute("UPDATE rollup_stamp SET members_version = version")


def downgrade():
    with op.batch_alter_table("rollup_stamp") as batch:
        batch.drop_column("members_version")
