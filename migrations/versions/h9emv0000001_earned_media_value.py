"""Earned media value: coefficients per network, currency and version per organization, history of changes

Revision ID: h9emv0000001
Revises: h8enum000001
Create Date: 2026-12-05 03:20:00

Coefficients are integers of ten-thousandths of the currency unit (models/emv.py: exact on SQLite and
PostgreSQL). No rows are written: until an organization saves its own, the placeholder defaults of
services/analytics/emv.py apply (version 0).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h9emv0000001'
down_revision = 'h8enum000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('emv_settings',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_emv_settings_org_id_organization'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_emv_settings_updated_by_id_user'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('org_id', name=op.f('pk_emv_settings'))
    )
    op.create_table('emv_rate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('network', sa.String(length=16), nullable=False),
    sa.Column('per_thousand_impressions', sa.BigInteger(), nullable=False),
    sa.Column('per_click', sa.BigInteger(), nullable=False),
    sa.Column('per_engagement', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_emv_rate_org_id_organization'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emv_rate')),
    sa.UniqueConstraint('org_id', 'network', name=op.f('uq_emv_rate_org_id_network'))
    )
    op.create_table('emv_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_by_name', sa.String(length=254), nullable=False),
    sa.Column('network', sa.String(length=16), nullable=True),
    sa.Column('setting', sa.String(length=32), nullable=False),
    sa.Column('old_value', sa.String(length=32), nullable=False),
    sa.Column('new_value', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user.id'], name=op.f('fk_emv_change_changed_by_id_user'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_emv_change_org_id_organization'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emv_change'))
    )
    with op.batch_alter_table('emv_change', schema=None) as batch_op:
        batch_op.create_index('ix_emv_change_org_changed', ['org_id', 'changed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('emv_change', schema=None) as batch_op:
        batch_op.drop_index('ix_emv_change_org_changed')
    op.drop_table('emv_change')
    op.drop_table('emv_rate')
    op.drop_table('emv_settings')
