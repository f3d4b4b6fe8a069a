"""Challenges: the contests, their eligible teams, winners and prizes, and the chat announcement outbox

Revision ID: h11chal0001
Revises: h11brand0001
Create Date: 2026-12-05 09:25:08

New tables only (nothing existing changes): challenge, challenge_team, challenge_winner, challenge_prize,
announcement.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'h11chal0001'
down_revision = 'h11brand0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_announcement_org_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement')),
    sa.UniqueConstraint('topic', 'ref', name=op.f('uq_announcement_topic_ref'))
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_announcement_pending', ['delivered_at', 'id'], unique=False)

    op.create_table('challenge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('goal', sa.String(length=16), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('target', sa.Integer(), nullable=True),
    sa.Column('reward_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("goal IN ('shares', 'clicks', 'engagement', 'points', 'answers')", name=op.f('ck_challenge_goal_valid')),
    sa.CheckConstraint("kind IN ('all', 'internal', 'external')", name=op.f('ck_challenge_kind_valid')),
    sa.CheckConstraint("mode IN ('individual', 'team')", name=op.f('ck_challenge_mode_valid')),
    sa.CheckConstraint("status IN ('draft', 'scheduled', 'running', 'ended')", name=op.f('ck_challenge_status_valid')),
    sa.CheckConstraint('last_day >= first_day', name=op.f('ck_challenge_days_in_order')),
    sa.CheckConstraint('target IS NULL OR target > 0', name=op.f('ck_challenge_target_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['membership.id'], name=op.f('fk_challenge_created_by_id_membership'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_challenge_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reward_id'], ['reward.id'], name=op.f('fk_challenge_reward_id_reward'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge'))
    )
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_challenge_org_status', ['org_id', 'status'], unique=False)

    op.create_table('challenge_prize',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('redemption_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_challenge_prize_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_challenge_prize_membership_id_membership'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['redemption_id'], ['redemption.id'], name=op.f('fk_challenge_prize_redemption_id_redemption'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('challenge_id', 'membership_id', name=op.f('pk_challenge_prize'))
    )
    op.create_table('challenge_team',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_challenge_team_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_challenge_team_team_id_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('challenge_id', 'team_id', name=op.f('pk_challenge_team'))
    )
    op.create_table('challenge_winner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_challenge_winner_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_challenge_winner_membership_id_membership'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_challenge_winner_team_id_team'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_winner')),
    sa.UniqueConstraint('challenge_id', 'membership_id', name=op.f('uq_challenge_winner_challenge_id_membership_id')),
    sa.UniqueConstraint('challenge_id', 'team_id', name=op.f('uq_challenge_winner_challenge_id_team_id'))
    )
    with op.batch_alter_table('challenge_winner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_winner_challenge_id'), ['challenge_id'], unique=False)


def downgrade():
    with op.batch_alter_table('challenge_winner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_winner_challenge_id'))

    op.drop_table('challenge_winner')
    op.drop_table('challenge_team')
    op.drop_table('challenge_prize')
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.drop_index('ix_challenge_org_status')
        batch_op.drop_index(batch_op.f('ix_challenge_org_id'))

    op.drop_table('challenge')
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index('ix_announcement_pending')
        batch_op.drop_index(batch_op.f('ix_announcement_org_id'))

    op.drop_table('announcement')
