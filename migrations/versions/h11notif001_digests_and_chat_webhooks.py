"""Email digests (a member's choice and the period last sent) and Slack/Teams incoming webhooks with their outbox

Revision ID: h11notif001
Revises: h11chal0001
Create Date: 2026-12-05 09:30:00

membership: digest_frequency (daily/weekly/off, default weekly, checked), digest_period, digest_sent_at;
organization.results_period (the week whose results were last posted to chat); outbox_email.headers (JSON);
webhook_endpoint (URL encrypted) and webhook_delivery (queued with its event, sent by the worker).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h11notif001'
down_revision = 'h11chal0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("membership") as batch:
        batch.add_column(sa.Column("digest_frequency", sa.String(length=8), server_default="weekly", nullable=False))
        batch.add_column(sa.Column("digest_period", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("digest_sent_at", sa.DateTime(), nullable=True))
        batch.create_check_constraint(op.f("ck_membership_digest_frequency_valid"),
                                      "digest_frequency IN ('daily', 'weekly', 'off')")
    op.add_column("organization", sa.Column("results_period", sa.String(length=10), nullable=True))
    op.add_column("outbox_email", sa.Column("headers", sa.Text(), nullable=True))
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("url_encrypted", sa.Text(), nullable=False),
        sa.Column("url_hint", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("disabled_at", sa.DateTime(), nullable=True),
        sa.Column("disabled_reason", sa.String(length=255), nullable=True),
        sa.CheckConstraint("kind IN ('slack', 'teams')", name=op.f("ck_webhook_endpoint_kind_valid")),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"], name=op.f("fk_webhook_endpoint_org_id_organization"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_webhook_endpoint_team_id_team"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    op.create_index(op.f("ix_webhook_endpoint_org_id"), "webhook_endpoint", ["org_id"])
    op.create_index(op.f("ix_webhook_endpoint_team_id"), "webhook_endpoint", ["team_id"])
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("event_kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')",
                           name=op.f("ck_webhook_delivery_status_valid")),
        sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoint.id"],
                                name=op.f("fk_webhook_delivery_endpoint_id_webhook_endpoint"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"], name=op.f("fk_webhook_delivery_org_id_organization"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
    )
    op.create_index(op.f("ix_webhook_delivery_org_id"), "webhook_delivery", ["org_id"])
    op.create_index(op.f("ix_webhook_delivery_endpoint_id"), "webhook_delivery", ["endpoint_id"])
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["status", "next_attempt_at"])


def downgrade():
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_endpoint")
    with op.batch_alter_table("outbox_email") as batch:
        batch.drop_column("headers")
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("results_period")
    with op.batch_alter_table("membership") as batch:
        batch.drop_constraint(op.f("ck_membership_digest_frequency_valid"), type_="check")
        batch.drop_column("digest_sent_at")
        batch.drop_column("digest_period")
        batch.drop_column("digest_frequency")
