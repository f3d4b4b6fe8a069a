"""Single sign-on: each organization's OpenID Connect provider, the identities it signed in, pending logins

Revision ID: h12sso000001
Revises: h12audit0001
Create Date: 2026-12-05 12:00:00
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'h12sso000001'
down_revision = 'h12audit0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sso_config',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('client_secret_encrypted', sa.Text(), nullable=True),
    sa.Column('allowed_domains', sa.String(length=1000), nullable=False),
    sa.Column('require_sso', sa.Boolean(), nullable=False),
    sa.Column('role_claim', sa.String(length=64), nullable=False),
    sa.Column('role_map', sa.JSON(), nullable=False),
    sa.Column('default_role', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('team_claim', sa.String(length=64), nullable=False),
    sa.Column('team_map', sa.JSON(), nullable=False),
    sa.Column('provider_metadata', sa.JSON(), nullable=False),
    sa.Column('jwks', sa.JSON(), nullable=False),
    sa.Column('jwks_fetched_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("default_role IN ('admin', 'manager', 'curator', 'ambassador')", name=op.f('ck_sso_config_default_role_valid')),
    sa.CheckConstraint("kind IN ('internal', 'external')", name=op.f('ck_sso_config_kind_valid')),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_sso_config_org_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_config')),
    sa.UniqueConstraint('org_id', name=op.f('uq_sso_config_org_id'))
    )
    op.create_table('sso_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_sso_identity_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_sso_identity_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_identity')),
    sa.UniqueConstraint('org_id', 'subject', name=op.f('uq_sso_identity_org_id_subject'))
    )
    with op.batch_alter_table('sso_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sso_identity_user_id'), ['user_id'], unique=False)

    op.create_table('sso_login',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('code_verifier_encrypted', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_sso_login_org_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_login')),
    sa.UniqueConstraint('state_hash', name=op.f('uq_sso_login_state_hash'))
    )
    with op.batch_alter_table('sso_login', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sso_login_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sso_login_org_id'), ['org_id'], unique=False)



def downgrade():
    with op.batch_alter_table('sso_login', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sso_login_org_id'))
        batch_op.drop_index(batch_op.f('ix_sso_login_created_at'))

    op.drop_table('sso_login')
    with op.batch_alter_table('sso_identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sso_identity_user_id'))

    op.drop_table('sso_identity')
    op.drop_table('sso_config')
