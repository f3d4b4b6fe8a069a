"""Rollup stamps: a number per organization that moves on with every change its boards read

Revision ID: h14stamp0001
Revises: h12data00001
Create Date: 2026-12-05 12:00:00

Boards computed from the standings are kept in each process's memory under the organization's stamp, and
used while the stamp in the database is still the same (services/analytics/stamps.py). No row = stamp 0; every
change writes a new random stamp.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h14stamp0001'
down_revision = 'h12data00001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rollup_stamp",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"],
                                name=op.f("fk_rollup_stamp_org_id_organization"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_rollup_stamp")),
    )


def downgrade():
    op.drop_table("rollup_stamp")
