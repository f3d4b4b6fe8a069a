"""Branding and onboarding: an organization's brand colour, and when the set-up guides were done or hidden

Revision ID: h11brand0001
Revises: h11nps000001
Create Date: 2026-12-05 09:40:00

Only nullable columns (no table rebuild on SQLite): organization.brand_color ("#rrggbb") and
organization.setup_dismissed_at (the admin's getting-started checklist); membership.queue_times_chosen_at and
membership.setup_dismissed_at (an ambassador's "Get set up" panel); user.locale_chosen_at.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h11brand0001'
down_revision = 'h11nps000001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("organization", sa.Column("brand_color", sa.String(length=7), nullable=True))
    op.add_column("organization", sa.Column("setup_dismissed_at", sa.DateTime(), nullable=True))
    op.add_column("membership", sa.Column("queue_times_chosen_at", sa.DateTime(), nullable=True))
    op.add_column("membership", sa.Column("setup_dismissed_at", sa.DateTime(), nullable=True))
    op.add_column("user", sa.Column("locale_chosen_at", sa.DateTime(), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch copy of "user" would lose its expression index
    # ix_user_sort_name, which batch mode cannot reflect.
    op.drop_column("user", "locale_chosen_at")
    op.drop_column("membership", "setup_dismissed_at")
    op.drop_column("membership", "queue_times_chosen_at")
    op.drop_column("organization", "setup_dismissed_at")
    op.drop_column("organization", "brand_color")
