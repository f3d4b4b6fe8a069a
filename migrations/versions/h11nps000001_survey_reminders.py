"""Survey reminders: a per-survey "remind after N days" and when each invitation was reminded

Revision ID: h11nps000001
Revises: h10hist00001
Create Date: 2026-12-05 09:00:00

Two nullable columns (no table rebuild on SQLite): survey.remind_after_days (None = no reminders) and
survey_invitation.reminded_at (set once, in the same transaction as the reminder email's outbox row).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h11nps000001'
down_revision = 'h10hist00001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("survey", sa.Column("remind_after_days", sa.Integer(), nullable=True))
    op.add_column("survey_invitation", sa.Column("reminded_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("survey_invitation") as batch:
        batch.drop_column("reminded_at")
    with op.batch_alter_table("survey") as batch:
        batch.drop_column("remind_after_days")
