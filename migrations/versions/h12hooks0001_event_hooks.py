"""Signed event webhooks: event_hook (endpoints with an encrypted signing secret) and event_hook_delivery

Revision ID: h12hooks0001
Revises: h14stamp0001
Create Date: 2026-12-05 12:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h12hooks0001'
down_revision = 'h14stamp0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_hook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("failing_since", sa.DateTime(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(), nullable=True),
        sa.Column("disabled_reason", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"], name=op.f("fk_event_hook_org_id_organization"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_hook")),
    )
    op.create_index(op.f("ix_event_hook_org_id"), "event_hook", ["org_id"])
    op.create_table(
        "event_hook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("hook_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')",
                           name=op.f("ck_event_hook_delivery_status_valid")),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"],
                                name=op.f("fk_event_hook_delivery_org_id_organization"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["hook_id"], ["event_hook.id"], name=op.f("fk_event_hook_delivery_hook_id_event_hook"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_hook_delivery")),
    )
    op.create_index(op.f("ix_event_hook_delivery_org_id"), "event_hook_delivery", ["org_id"])
    op.create_index("ix_event_hook_delivery_due", "event_hook_delivery", ["status", "next_attempt_at"])
    op.create_index("ix_event_hook_delivery_hook_id", "event_hook_delivery", ["hook_id", "id"])


def downgrade():
    op.drop_index("ix_event_hook_delivery_hook_id", table_name="event_hook_delivery")
    op.drop_index("ix_event_hook_delivery_due", table_name="event_hook_delivery")
    op.drop_index(op.f("ix_event_hook_delivery_org_id"), table_name="event_hook_delivery")
    op.drop_table("event_hook_delivery")
    op.drop_index(op.f("ix_event_hook_org_id"), table_name="event_hook")
    op.drop_table("event_hook")
