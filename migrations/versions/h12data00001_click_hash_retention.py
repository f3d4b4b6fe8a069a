"""Click visitor hashes may be dropped after their retention (NULL); an index of the clicks that still hold one

Revision ID: h12data00001
Revises: h14pulse00001
Create Date: 2026-12-05 12:10:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h12data00001'
down_revision = 'h14pulse00001'
branch_labels = None
depends_on = None

_KEPT = sa.text("visitor_hash IS NOT NULL")


def upgrade():
    with op.batch_alter_table("click") as batch:
        batch.alter_column("visitor_hash", existing_type=sa.String(length=64), nullable=True)
    op.create_index("ix_click_hash_kept", "click", ["created_at"], sqlite_where=_KEPT, postgresql_where=_KEPT)


def downgrade():
    op.drop_index("ix_click_hash_kept", table_name="click")
    # A dropped hash becomes one no visitor has (unique per row: the unique keys hold).
    op.execute("UPDATE click SET visitor_hash = 'dropped-' || CAST(id AS VARCHAR(20)) WHERE visitor_hash IS NULL")
    with op.batch_alter_table("click") as batch:
        batch.alter_column("visitor_hash", existing_type=sa.String(length=64), nullable=False)
