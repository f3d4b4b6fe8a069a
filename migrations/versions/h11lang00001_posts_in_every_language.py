"""Posts in every language: the organization's content languages, a post's title and summary per language,
captions per network and language

Revision ID: h11lang00001
Revises: h13enps00001
Create Date: 2026-12-05 10:20:00

organization.content_languages (space-separated, empty = the default locale only); post_translation
(post_id, lang) with title and summary; post_caption.lang, unique (post_id, network, lang). Existing captions
and titles become the organization's default language. Downgrade keeps the default language's captions
(the only ones the old schema can hold) and drops the others.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h11lang00001'
down_revision = 'h13enps00001'
branch_labels = None
depends_on = None

ORG_LOCALE = ("(SELECT organization.default_locale FROM post JOIN organization ON organization.id = post.org_id "
              "WHERE post.id = post_caption.post_id)")


def upgrade():
    op.add_column("organization", sa.Column("content_languages", sa.String(length=32), server_default="",
                                            nullable=False))
    op.create_table(
        "post_translation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], name=op.f("fk_post_translation_post_id_post"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_translation")),
        sa.UniqueConstraint("post_id", "lang", name=op.f("uq_post_translation_post_id_lang")),
    )
    op.create_index(op.f("ix_post_translation_post_id"), "post_translation", ["post_id"])
    op.execute("INSERT INTO post_translation (post_id, lang, title, summary) "
               "SELECT post.id, organization.default_locale, post.title, '' "
               "FROM post JOIN organization ON organization.id = post.org_id")
    op.add_column("post_caption", sa.Column("lang", sa.String(length=5), nullable=True))
    op.execute(f"UPDATE post_caption SET lang = {ORG_LOCALE}")
    with op.batch_alter_table("post_caption") as batch:
        batch.alter_column("lang", existing_type=sa.String(length=5), nullable=False)
        batch.drop_constraint("uq_post_caption_post_id_network", type_="unique")
        batch.create_unique_constraint(op.f("uq_post_caption_post_id_network_lang"), ["post_id", "network", "lang"])


def downgrade():
    op.execute(f"DELETE FROM post_caption WHERE lang <> {ORG_LOCALE}")
    with op.batch_alter_table("post_caption") as batch:
        batch.drop_constraint("uq_post_caption_post_id_network_lang", type_="unique")
        batch.create_unique_constraint(op.f("uq_post_caption_post_id_network"), ["post_id", "network"])
        batch.drop_column("lang")
    op.drop_index(op.f("ix_post_translation_post_id"), table_name="post_translation")
    op.drop_table("post_translation")
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("content_languages")
