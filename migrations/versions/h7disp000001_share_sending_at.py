"""Share.sending_at: which leased shares had reached the network call when a worker died

Revision ID: h7disp000001
Revises: 2571008e83eb
Create Date: 2026-12-05 00:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h7disp000001'
down_revision = '2571008e83eb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('share', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('share', schema=None) as batch_op:
        batch_op.drop_column('sending_at')
