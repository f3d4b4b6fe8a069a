"""Standings keyed by member first: a member's standings are one range of the primary key

The publishing worker's fan-out upserts each member's standings together (about 40 per event: every built
window × campaign/network/team scope); with the member first in the key those rows sit side by side, and the
member's refresh or erasure reads the same range, so the separate index on membership_id goes. Measured on the
100,000-member bench database (9.6M standings; 2,300 events, 18,400 upserts, rolled back, medians of 8): 640-690
ms a fan-out with this key against 780-820 ms before (both after VACUUM ANALYZE).

Revision ID: i15stkey0001
Revises: i14acctq0001
Create Date: 2026-12-07 00:40:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i15stkey0001'
down_revision = 'i14acctq0001'
branch_labels = None
depends_on = None

NEW = ["membership_id", "org_id", "window", "campaign_id", "network", "team_id"]
OLD = ["org_id", "window", "campaign_id", "network", "team_id", "membership_id"]


def _key(columns, *, member_index):
    # SQLite rebuilds the table, and the board index with it as reflected, without its DESC: set it aside and
    # create it again as it was (PostgreSQL changes the key in place and keeps the index).
    rebuilt = op.get_bind().dialect.name == "sqlite"
    if rebuilt:
        op.drop_index("ix_standing_scope_order", table_name="standing")
    with op.batch_alter_table("standing", recreate="auto") as batch:
        batch.drop_constraint("pk_standing", type_="primary")
        batch.create_primary_key("pk_standing", columns)
        if member_index:
            batch.create_index("ix_standing_member", ["membership_id"], unique=False)
        else:
            batch.drop_index("ix_standing_member")
    if rebuilt:
        op.create_index("ix_standing_scope_order", "standing",
                        ["org_id", "window", "campaign_id", "network", "team_id", sa.text("points DESC"), "sort_name",
                         "membership_id", "kind"])


def upgrade():
    _key(NEW, member_index=False)


def downgrade():
    _key(OLD, member_index=True)
