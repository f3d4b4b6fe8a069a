"""The due API shares by account: the worker moves an account's other due shares behind the queue

Once one of an account's shares went out, its other due shares queue behind every share that fell due meanwhile
(services/publishing/leases.py requeue_behind: fair turns when more is due than the workers can send). That
update finds them by account: this partial index holds only the publishing queue (due API shares), so it does
not read an account's whole history of shares, and a share claimed, sent or settled adds no entry to it.

Revision ID: i14acctq0001
Revises: i13stq000001
Create Date: 2026-12-06 18:10:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i14acctq0001'
down_revision = 'i13stq000001'
branch_labels = None
depends_on = None

QUEUE = "status = 'scheduled' AND method = 'api'"


def upgrade():
    with op.batch_alter_table("share") as batch:
        batch.create_index("ix_share_account_queue", ["account_id"], unique=False,
                           sqlite_where=sa.text(QUEUE), postgresql_where=sa.text(QUEUE))


def downgrade():
    with op.batch_alter_table("share") as batch:
        batch.drop_index("ix_share_account_queue")
