"""The publishing queue as a partial index; no index of share.org_id alone

Every share is updated three or four times on its way out (claimed, marked sending, recorded), and a status
change cannot be a HOT update, so each of those wrote an entry into every index of the table. Two of them did
not need to:
- `ix_share_next_attempt_at` (all shares with a due time) becomes `ix_share_queue` (next_attempt_at, id) over the
  due API shares only: the claim walks exactly the queue, in its order, and a claimed or settled share adds no
  entry to it (nor do the dead entries of its earlier versions pile up at the queue's head);
- `ix_share_org_id` goes: `ix_share_org_created` (org_id, created_at) leads with the same column.

Revision ID: i10queue0001
Revises: h9memst00001
Create Date: 2026-12-06 06:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i10queue0001'
down_revision = 'h9memst00001'
branch_labels = None
depends_on = None

QUEUE = "status = 'scheduled' AND method = 'api'"


def upgrade():
    with op.batch_alter_table("share") as batch:
        batch.create_index("ix_share_queue", ["next_attempt_at", "id"], unique=False,
                           sqlite_where=sa.text(QUEUE), postgresql_where=sa.text(QUEUE))
        batch.drop_index("ix_share_next_attempt_at")
        batch.drop_index("ix_share_org_id")


def downgrade():
    with op.batch_alter_table("share") as batch:
        batch.create_index("ix_share_org_id", ["org_id"], unique=False)
        batch.create_index("ix_share_next_attempt_at", ["next_attempt_at"], unique=False)
        batch.drop_index("ix_share_queue")
