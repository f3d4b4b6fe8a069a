"""Engagement pulled back from the networks (snapshots, each share's latest figures) and potential reach

Revision ID: h9enga000001
Revises: h9emv0000001
Create Date: 2026-12-05 03:10:00

Figures the network does not give stay NULL (unknown), never 0; so does an account's follower count
until a network reports it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h9enga000001'
down_revision = "h9emv0000001"
branch_labels = None
depends_on = None

FIGURES = ("likes", "reposts", "replies", "quotes", "impressions")


def upgrade():
    op.create_table(
        'engagement_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('share_id', sa.Integer(), nullable=False),
        sa.Column('taken_at', sa.DateTime(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=True) for name in FIGURES],
        sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_engagement_snapshot_org_id_organization'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['share_id'], ['share.id'], name=op.f('fk_engagement_snapshot_share_id_share'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_snapshot')),
    )
    op.create_index(op.f('ix_engagement_snapshot_org_id'), 'engagement_snapshot', ['org_id'])
    op.create_index('ix_engagement_snapshot_share_taken', 'engagement_snapshot', ['share_id', 'taken_at'])
    op.create_table(
        'share_engagement',
        sa.Column('share_id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=True) for name in FIGURES],
        sa.Column('fetched_at', sa.DateTime(), nullable=True),
        sa.Column('next_fetch_at', sa.DateTime(), nullable=True),
        sa.Column('deleted_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_share_engagement_org_id_organization'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['share_id'], ['share.id'], name=op.f('fk_share_engagement_share_id_share'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('share_id', name=op.f('pk_share_engagement')),
    )
    op.create_index(op.f('ix_share_engagement_org_id'), 'share_engagement', ['org_id'])
    op.create_index(op.f('ix_share_engagement_next_fetch_at'), 'share_engagement', ['next_fetch_at'])
    op.create_index('ix_share_engagement_org_fetched', 'share_engagement', ['org_id', 'fetched_at'])
    with op.batch_alter_table('social_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('followers_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('followers_fetched_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('social_account', schema=None) as batch_op:
        batch_op.drop_column('followers_fetched_at')
        batch_op.drop_column('followers_count')
    op.drop_table('share_engagement')
    op.drop_table('engagement_snapshot')
