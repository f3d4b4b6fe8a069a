"""Migration h12data00001 lets a click's visitor hash be dropped (NULL) and keeps every click and its points."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ambassador import create_app
from ambassador.extensions import db

from .test_migration_click_slots import MIGRATIONS, _insert_one


def test_hashes_may_be_dropped_and_the_way_down_keeps_the_clicks(empty_database_url):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        engine = db.engines[None]
        upgrade(directory=MIGRATIONS, revision="h12audit0001")
        with engine.begin() as conn:
            meta = sa.MetaData()
            meta.reflect(conn)
            valid = {"membership": {"role": "ambassador", "kind": "internal", "status": "active",
                                    "digest_frequency": "weekly"},
                     "campaign": {"status": "active"}, "post": {"status": "approved", "audience": "everyone"}}
            for table in ("organization", "user", "membership", "campaign", "post", "tracked_link"):
                _insert_one(conn, meta.tables[table], code="abc", **valid.get(table, {}))
            for n in (1, 2):
                conn.execute(sa.text(
                    "INSERT INTO click (id, org_id, tracked_link_id, visitor_hash, hour_bucket, day_bucket, day_slot,"
                    " referrer_host, created_at) VALUES (:id, 1, 1, :v, 10, 0, 0, '', '2026-01-01')"),
                    {"id": n, "v": f"visitor-{n}"})
            conn.execute(sa.text("INSERT INTO points_entry (id, org_id, membership_id, points, reason, note, click_id,"
                                 " day, created_at) VALUES (1, 1, 1, 1, 'click', '', 1, '2026-01-01', '2026-01-01')"))
        upgrade(directory=MIGRATIONS, revision="h12data00001")
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE click SET visitor_hash = NULL"))  # both dropped: NULLs are never equal
            assert conn.execute(sa.text("SELECT COUNT(*) FROM click WHERE visitor_hash IS NULL")).scalar() == 2
        downgrade(directory=MIGRATIONS, revision="h12audit0001")
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, visitor_hash FROM click ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(1, "dropped-1"), (2, "dropped-2")]
            assert conn.execute(sa.text("SELECT click_id FROM points_entry")).scalar() == 1
        engine.dispose()
