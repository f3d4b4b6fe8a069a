"""The click inbox: clicks the redirect accepted, waiting for the worker to count them

Revision ID: h10sink00001
Revises: h9roll000001
Create Date: 2026-12-05 06:00:00

A new table only (nothing to rebuild on SQLite). The web process appends to it in batches; the worker's
`drain_clicks` job counts and deletes its rows. No foreign keys and no secondary index: the insert is the
cheapest write there is.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h10sink00001'
down_revision = 'h9roll000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "click_inbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("tracked_link_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("visitor_hash", sa.String(length=64), nullable=False),
        sa.Column("referrer_host", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_click_inbox")),
    )


def downgrade():
    op.drop_table("click_inbox")
