"""Employee NPS pulses: pulses, rounds, participation apart from anonymous answers

Revision ID: h13enps00001
Revises: h11notif001
Create Date: 2026-12-05 10:30:00

pulse_answer and pulse_aspect_answer have random text ids and, on SQLite, no rowid: no column or
insertion order links an answer to the participation row of the member who gave it.
"""
import sqlalchemy as sa
from alembic import op

revision = 'h13enps00001'
down_revision = 'h11notif001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("organization", sa.Column("enps_min_group", sa.Integer(), nullable=False, server_default="5"))
    op.add_column("membership", sa.Column("share_nudge_at", sa.DateTime(), nullable=True))
    op.create_table(
        "pulse",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("question", sa.JSON(), nullable=False),
        sa.Column("open_question", sa.JSON(), nullable=False),
        sa.Column("recurrence", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("days_open", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("recurrence IN ('once', 'monthly', 'quarterly')", name=op.f("ck_pulse_recurrence_valid")),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_pulse_status_valid")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_pulse_created_by_id_user"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"], name=op.f("fk_pulse_org_id_organization"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse")),
    )
    op.create_index(op.f("ix_pulse_org_id"), "pulse", ["org_id"])
    op.create_table(
        "pulse_team",
        sa.Column("pulse_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pulse_id"], ["pulse.id"], name=op.f("fk_pulse_team_pulse_id_pulse"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_pulse_team_team_id_team"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pulse_id", "team_id", name=op.f("pk_pulse_team")),
    )
    op.create_table(
        "pulse_aspect",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pulse_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["pulse_id"], ["pulse.id"], name=op.f("fk_pulse_aspect_pulse_id_pulse"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_aspect")),
    )
    op.create_index(op.f("ix_pulse_aspect_pulse_id"), "pulse_aspect", ["pulse_id"])
    op.create_table(
        "pulse_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("pulse_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"], name=op.f("fk_pulse_round_org_id_organization"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pulse_id"], ["pulse.id"], name=op.f("fk_pulse_round_pulse_id_pulse"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_round")),
        sa.UniqueConstraint("pulse_id", "number", name=op.f("uq_pulse_round_pulse_id_number")),
    )
    op.create_index(op.f("ix_pulse_round_org_id"), "pulse_round", ["org_id"])
    op.create_index(op.f("ix_pulse_round_pulse_id"), "pulse_round", ["pulse_id"])
    op.create_table(
        "pulse_participation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("emailed_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["membership_id"], ["membership.id"],
                                name=op.f("fk_pulse_participation_membership_id_membership"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"],
                                name=op.f("fk_pulse_participation_org_id_organization"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["pulse_round.id"],
                                name=op.f("fk_pulse_participation_round_id_pulse_round"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_participation")),
        sa.UniqueConstraint("round_id", "membership_id", name=op.f("uq_pulse_participation_round_id_membership_id")),
        sa.UniqueConstraint("token", name=op.f("uq_pulse_participation_token")),
    )
    op.create_index(op.f("ix_pulse_participation_membership_id"), "pulse_participation", ["membership_id"])
    op.create_index(op.f("ix_pulse_participation_org_id"), "pulse_participation", ["org_id"])
    op.create_index(op.f("ix_pulse_participation_round_id"), "pulse_participation", ["round_id"])
    op.create_table(
        "pulse_answer",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"], name=op.f("fk_pulse_answer_org_id_organization"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["pulse_round.id"], name=op.f("fk_pulse_answer_round_id_pulse_round"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_pulse_answer_team_id_team"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_answer")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_pulse_answer_org_id"), "pulse_answer", ["org_id"])
    op.create_index(op.f("ix_pulse_answer_round_id"), "pulse_answer", ["round_id"])
    op.create_table(
        "pulse_aspect_answer",
        sa.Column("answer_id", sa.String(length=32), nullable=False),
        sa.Column("aspect_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["answer_id"], ["pulse_answer.id"],
                                name=op.f("fk_pulse_aspect_answer_answer_id_pulse_answer"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["aspect_id"], ["pulse_aspect.id"],
                                name=op.f("fk_pulse_aspect_answer_aspect_id_pulse_aspect"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("answer_id", "aspect_id", name=op.f("pk_pulse_aspect_answer")),
        sqlite_with_rowid=False,
    )


def downgrade():
    op.drop_table("pulse_aspect_answer")
    op.drop_table("pulse_answer")
    op.drop_table("pulse_participation")
    op.drop_table("pulse_round")
    op.drop_table("pulse_aspect")
    op.drop_table("pulse_team")
    op.drop_table("pulse")
    with op.batch_alter_table("membership") as batch:
        batch.drop_column("share_nudge_at")
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("enps_min_group")
