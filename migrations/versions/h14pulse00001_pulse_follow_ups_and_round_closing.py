"""Employee pulses: rounds closed early, paused pulses, anonymous team follow-ups of detractor themes, teams
paired with a customer segment or store

Revision ID: h14pulse00001
Revises: i12apitok0001
Create Date: 2026-12-05 12:00:00

pulse_follow_up holds a team, a round, themes and counts — no member and no answer id (see models/enps.py).
"""
import sqlalchemy as sa
from alembic import op

revision = 'h14pulse00001'
down_revision = 'i12apitok0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("team") as batch:
        batch.add_column(sa.Column("customer_place", sa.String(length=80), nullable=False, server_default=""))
    with op.batch_alter_table("pulse") as batch:
        batch.add_column(sa.Column("paused_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("pulse_round") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("themes_checked_at", sa.DateTime(), nullable=True))
    op.create_table(
        "pulse_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("detractors", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f("ck_pulse_follow_up_status_valid")),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"], name=op.f("fk_pulse_follow_up_org_id_organization"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["pulse_round.id"], name=op.f("fk_pulse_follow_up_round_id_pulse_round"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_pulse_follow_up_team_id_team"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_follow_up")),
        sa.UniqueConstraint("round_id", "team_id", name=op.f("uq_pulse_follow_up_round_id_team_id")),
    )
    op.create_index(op.f("ix_pulse_follow_up_org_id"), "pulse_follow_up", ["org_id"])
    op.create_index(op.f("ix_pulse_follow_up_round_id"), "pulse_follow_up", ["round_id"])
    op.create_index(op.f("ix_pulse_follow_up_team_id"), "pulse_follow_up", ["team_id"])


def downgrade():
    op.drop_table("pulse_follow_up")
    with op.batch_alter_table("pulse_round") as batch:
        batch.drop_column("themes_checked_at")
        batch.drop_column("closed_at")
    with op.batch_alter_table("pulse") as batch:
        batch.drop_column("paused_at")
    with op.batch_alter_table("team") as batch:
        batch.drop_column("customer_place")
