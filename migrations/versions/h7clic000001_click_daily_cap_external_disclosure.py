"""Clicks: a daily cap per visitor per link; a second disclosure for external members

A click's UTC day and its rank that day (slot) join a unique constraint, so two processes
cannot both count a visitor's fourth click of the day. Existing clicks get their day and
their rank among the same (link, visitor) clicks of that day, so the constraint holds.

Organizations get `disclosure_external` (customers, partners, fans), '#ad' by default;
the existing `disclosure` stays the employees' one.

Revision ID: h7clic000001
Revises: h7disp000001
Create Date: 2026-12-05 00:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h7clic000001'
down_revision = 'h7disp000001'
branch_labels = None
depends_on = None


def upgrade():
    # Only ADD COLUMN and CREATE INDEX: on SQLite neither rebuilds the table, so no foreign key
    # (points entries of clicks, everything of an organization) is touched on the way.
    with op.batch_alter_table('click', schema=None) as batch_op:
        batch_op.add_column(sa.Column('day_bucket', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('day_slot', sa.Integer(), nullable=False, server_default='0'))
    # Integer division on both SQLite and PostgreSQL; hour buckets are unique per (link, visitor),
    # so counting the earlier ones of the same day ranks them without ties.
    op.execute("UPDATE click SET day_bucket = hour_bucket / 24")
    op.execute(
        "UPDATE click SET day_slot = (SELECT COUNT(*) FROM click AS earlier"
        " WHERE earlier.tracked_link_id = click.tracked_link_id AND earlier.visitor_hash = click.visitor_hash"
        " AND earlier.day_bucket = click.day_bucket AND earlier.hour_bucket < click.hour_bucket)")
    with op.batch_alter_table('click', schema=None) as batch_op:
        batch_op.create_index('ix_click_day_slot', ['tracked_link_id', 'visitor_hash', 'day_bucket', 'day_slot'],
                              unique=True)

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disclosure_external', sa.String(length=40), nullable=False,
                                      server_default='#ad'))


def downgrade():
    # Plain DROP COLUMN (SQLite >= 3.35), not a batch rebuild: rebuilding `organization` with
    # foreign keys on would cascade-delete everything that belongs to it.
    op.drop_column('organization', 'disclosure_external')
    op.drop_index('ix_click_day_slot', table_name='click')
    op.drop_column('click', 'day_slot')
    op.drop_column('click', 'day_bucket')
