"""The audit log: audit_event, and each organization's retention in days

Revision ID: h12audit0001
Revises: h11lang00001
Create Date: 2026-12-05 12:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h12audit0001'
down_revision = 'h11lang00001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=255), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("target_label", sa.String(length=255), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"], name=op.f("fk_audit_event_org_id_organization"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_user_id"], ["user.id"], name=op.f("fk_audit_event_actor_user_id_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index("ix_audit_event_org_at", "audit_event", ["org_id", "at"])
    op.create_index("ix_audit_event_org_action_at", "audit_event", ["org_id", "action", "at"])
    op.create_index(op.f("ix_audit_event_actor_user_id"), "audit_event", ["actor_user_id"])
    op.add_column("organization", sa.Column("audit_retention_days", sa.Integer(), server_default="730",
                                            nullable=False))


def downgrade():
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("audit_retention_days")
    op.drop_index(op.f("ix_audit_event_actor_user_id"), table_name="audit_event")
    op.drop_index("ix_audit_event_org_action_at", table_name="audit_event")
    op.drop_index("ix_audit_event_org_at", table_name="audit_event")
    op.drop_table("audit_event")
