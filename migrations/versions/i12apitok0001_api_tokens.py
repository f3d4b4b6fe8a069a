"""API tokens (personal and integration) and the responses kept for idempotent creates

Revision ID: i12apitok0001
Revises: h12sso000001
Create Date: 2026-12-05 12:05:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i12apitok0001'
down_revision = 'h12sso000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('personal', 'integration')", name=op.f("ck_api_token_kind_valid")),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"], name=op.f("fk_api_token_org_id_organization"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["membership_id"], ["membership.id"],
                                name=op.f("fk_api_token_membership_id_membership"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_api_token_created_by_id_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_index(op.f("ix_api_token_org_id"), "api_token", ["org_id"])
    op.create_index(op.f("ix_api_token_membership_id"), "api_token", ["membership_id"])
    op.create_table(
        "api_idempotent_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=2048), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["api_token.id"],
                                name=op.f("fk_api_idempotent_response_token_id_api_token"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotent_response")),
        sa.UniqueConstraint("token_id", "key", name=op.f("uq_api_idempotent_response_token_id_key")),
    )
    op.create_index(op.f("ix_api_idempotent_response_created_at"), "api_idempotent_response", ["created_at"])


def downgrade():
    op.drop_index(op.f("ix_api_idempotent_response_created_at"), table_name="api_idempotent_response")
    op.drop_table("api_idempotent_response")
    op.drop_index(op.f("ix_api_token_membership_id"), table_name="api_token")
    op.drop_index(op.f("ix_api_token_org_id"), table_name="api_token")
    op.drop_table("api_token")
