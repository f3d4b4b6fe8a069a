"""Standings added by the worker: the publishing recorder's additions queued per window and member

Revision ID: i13stq000001
Revises: i10queue0001
Create Date: 2026-12-06 11:40:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i13stq000001'
down_revision = 'i10queue0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "standing_queue",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("window", sa.String(length=24), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["org_id", "window"], ["standing_window.org_id", "standing_window.window"],
                                name=op.f("fk_standing_queue_org_id_standing_window"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_queue")),
    )
    op.create_index("ix_standing_queue_window", "standing_queue", ["org_id", "window"])
    op.create_index("ix_standing_queue_member", "standing_queue", ["membership_id"])


def downgrade():
    op.drop_index("ix_standing_queue_member", table_name="standing_queue")
    op.drop_index("ix_standing_queue_window", table_name="standing_queue")
    op.drop_table("standing_queue")
