"""Migration h7clic000001 ranks existing clicks per (link, visitor, UTC day) and keeps the disclosure."""
from __future__ import annotations

import os
from datetime import datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ambassador import create_app
from ambassador.extensions import db

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")


def _filler(column: sa.Column):
    if column.name == "id" or column.name.endswith("_id"):
        return 1
    kind = column.type.python_type
    return {int: 1, bool: False, str: "x", datetime: datetime(2026, 1, 1), dict: {}, list: []}.get(kind, "x")


def _insert_one(conn, table: sa.Table, **values) -> None:
    """Row id 1 of a table as it was at the previous revision: every required column filled."""
    row = {c.name: values.get(c.name, _filler(c)) for c in table.columns if not c.nullable}
    conn.execute(table.insert().values(**row))


def test_existing_clicks_get_their_day_and_rank(empty_database_url):  # noqa: F811
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        engine = db.engines[None]
        upgrade(directory=MIGRATIONS, revision="2571008e83eb")
        day = 20_000 * 24  # hour bucket of midnight UTC, some day
        with engine.begin() as conn:
            meta = sa.MetaData()
            meta.reflect(conn)
            for table in ("organization", "user", "membership", "campaign", "post", "tracked_link"):
                _insert_one(conn, meta.tables[table], disclosure="#employee", code="abc")
            # Visitor "a": 4 clicks on day 0 (old rules had no daily cap) and 1 on day 1; "b": one.
            for n, (visitor, bucket) in enumerate([("a", day + 9), ("a", day + 3), ("a", day + 20), ("a", day + 12),
                                                   ("a", day + 24 + 1), ("b", day + 3)]):
                conn.execute(sa.text(
                    "INSERT INTO click (id, org_id, tracked_link_id, visitor_hash, hour_bucket, referrer_host,"
                    " created_at) VALUES (:id, 1, 1, :v, :h, '', '2026-01-01')"),
                    {"id": n + 1, "v": visitor, "h": bucket})
        upgrade(directory=MIGRATIONS, revision="h7clic000001")
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT visitor_hash, hour_bucket, day_bucket, day_slot FROM click ORDER BY visitor_hash, hour_bucket"))
            assert [tuple(r) for r in rows] == [
                ("a", day + 3, 20_000, 0), ("a", day + 9, 20_000, 1), ("a", day + 12, 20_000, 2),
                ("a", day + 20, 20_000, 3), ("a", day + 25, 20_001, 0), ("b", day + 3, 20_000, 0)]
            disclosures = conn.execute(sa.text("SELECT disclosure, disclosure_external FROM organization")).one()
            assert tuple(disclosures) == ("#employee", "#ad")
        downgrade(directory=MIGRATIONS, revision="2571008e83eb")
        with engine.connect() as conn:  # nothing lost on the way down either (no table rebuilt under cascades)
            assert conn.execute(sa.text("SELECT COUNT(*) FROM click")).scalar() == 6
            assert conn.execute(sa.text("SELECT COUNT(*) FROM membership")).scalar() == 1
        engine.dispose()
