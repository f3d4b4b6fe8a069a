"""h11lang00001: existing captions and titles become the organization's default language; downgrade keeps them."""
from __future__ import annotations

import os

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ambassador import create_app
from ambassador.extensions import db

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")


def _rows(conn, sql: str) -> list[tuple]:
    return [tuple(row) for row in conn.execute(sa.text(sql))]


def test_captions_move_to_the_default_language_and_back(empty_database_url):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        engine = db.engines[None] if hasattr(db, "engines") else db.engine
        upgrade(directory=MIGRATIONS, revision="h13enps00001")
        with engine.begin() as conn:
            for org_id, slug, locale in ((1, "gent", "nl"), (2, "lyon", "fr")):
                conn.execute(sa.text(
                    "INSERT INTO organization (id, name, slug, default_locale, timezone, disclosure, points_share, "
                    "points_click, daily_share_points_cap, daily_click_points_cap, points_idea, points_vote, "
                    "points_survey, daily_community_points_cap, posts_require_approval, join_requires_approval, "
                    "join_enabled, join_token, created_at) VALUES (:id, :slug, :slug, :locale, 'Europe/Brussels', '', "
                    "5, 1, 50, 100, 10, 1, 5, 30, false, false, true, :slug, CURRENT_TIMESTAMP)"),
                    {"id": org_id, "slug": slug, "locale": locale})
                conn.execute(sa.text(
                    "INSERT INTO campaign (id, org_id, title, slug, description, status, auto_share, created_at) "
                    "VALUES (:id, :id, 'C', 'c', '', 'active', false, CURRENT_TIMESTAMP)"), {"id": org_id})
                conn.execute(sa.text(
                    "INSERT INTO post (id, org_id, campaign_id, title, link_url, preview_title, preview_description, "
                    "preview_image_url, hashtags, audience, status, review_comment, created_at, updated_at) "
                    "VALUES (:id, :id, :id, :title, 'https://example.com', '', '', '', '', 'everyone', 'approved', "
                    "'', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"id": org_id, "title": f"Titel {org_id}"})
                for network in ("linkedin", "x"):
                    conn.execute(sa.text("INSERT INTO post_caption (post_id, network, text) VALUES (:p, :n, :t)"),
                                 {"p": org_id, "n": network, "t": f"{network} {org_id}"})

        upgrade(directory=MIGRATIONS, revision="h11lang00001")
        with engine.begin() as conn:
            assert _rows(conn, "SELECT post_id, network, lang, text FROM post_caption ORDER BY post_id, network") == [
                (1, "linkedin", "nl", "linkedin 1"), (1, "x", "nl", "x 1"),
                (2, "linkedin", "fr", "linkedin 2"), (2, "x", "fr", "x 2")]
            assert _rows(conn, "SELECT post_id, lang, title, summary FROM post_translation ORDER BY post_id") == [
                (1, "nl", "Titel 1", ""), (2, "fr", "Titel 2", "")]
            assert _rows(conn, "SELECT content_languages FROM organization ORDER BY id") == [("",), ("",)]
            # A second language of the same network is now allowed; the same language twice is not.
            conn.execute(sa.text("INSERT INTO post_caption (post_id, network, lang, text) "
                                 "VALUES (1, 'x', 'en', 'x in English')"))
            try:
                with conn.begin_nested():
                    conn.execute(sa.text("INSERT INTO post_caption (post_id, network, lang, text) "
                                         "VALUES (1, 'x', 'nl', 'again')"))
                raise AssertionError("a second Dutch X caption was accepted")
            except sa.exc.IntegrityError:
                pass

        downgrade(directory=MIGRATIONS, revision="h13enps00001")
        with engine.connect() as conn:
            # The default language's captions stay (the old schema holds one per network); the English one goes.
            assert _rows(conn, "SELECT post_id, network, text FROM post_caption ORDER BY post_id, network") == [
                (1, "linkedin", "linkedin 1"), (1, "x", "x 1"), (2, "linkedin", "linkedin 2"), (2, "x", "x 2")]
            assert "post_translation" not in sa.inspect(conn).get_table_names()
        downgrade(directory=MIGRATIONS, revision="base")
        engine.dispose()
