"""The user-session / email-verification migration: accounts that existed before it count as verified."""
from __future__ import annotations

import os

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ambassador import create_app
from ambassador.extensions import db

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")


def test_existing_users_are_verified_by_the_migration(empty_database_url):  # noqa: F811
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        engine = db.engines[None] if hasattr(db, "engines") else db.engine
        upgrade(directory=MIGRATIONS, revision="2571008e83eb")
        with engine.begin() as conn:
            conn.execute(sa.text(
                'INSERT INTO "user" (email, name, timezone, session_version, created_at) '
                "VALUES ('old@example.test', 'Old', 'Europe/Brussels', 1, CURRENT_TIMESTAMP)"))
        upgrade(directory=MIGRATIONS, revision="h7sess000001")
        with engine.connect() as conn:
            verified = conn.execute(sa.text('SELECT email_verified_at FROM "user"')).scalar_one()
            assert verified is not None
            assert "user_session" in sa.inspect(conn).get_table_names()
        downgrade(directory=MIGRATIONS, revision="base")
        engine.dispose()
