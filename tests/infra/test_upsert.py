"""Counter upserts (infra/upsert.py): rows of one key in one call add up as if written one after another, on both
databases (PostgreSQL merges them into one INSERT … SELECT unnest(…), SQLite writes them in turn)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ambassador.infra.upsert import upsert
from ambassador.models import RollupPostDay, RollupStamp

POST_DAY = RollupPostDay.__table__
KEYS = ("org_id", "day", "post_id", "network")
SUMS = ("points", "shares", "clicks", "engagement")
DAY = date(2026, 12, 5)


def _row(org_id: int, post_id: int, *, points: int, reach: int | None, campaign_id: int = 7, network: str = "x"):
    return {"org_id": org_id, "day": DAY, "post_id": post_id, "network": network, "campaign_id": campaign_id,
            "points": points, "shares": 1, "clicks": 0, "engagement": 2, "reach": reach}


def _read(db, org_id: int) -> dict:
    return {(row.post_id, row.network): (row.campaign_id, row.points, row.shares, row.engagement, row.reach)
            for row in db.session.execute(sa.select(POST_DAY).where(POST_DAY.c.org_id == org_id))}


def test_rows_of_one_key_add_up_in_one_call_and_on_an_existing_row(db, make):
    org_id = make.org().id
    conn = db.session.connection()
    # Post 1 three times in one call (reach unknown, then known twice); post 2 once, on two networks.
    upsert(conn, POST_DAY, [_row(org_id, 1, points=5, reach=None), _row(org_id, 2, points=1, reach=None),
                            _row(org_id, 1, points=3, reach=100, campaign_id=8), _row(org_id, 1, points=2, reach=50),
                            _row(org_id, 2, points=4, reach=None, network="mastodon")],
           keys=KEYS, adds=SUMS, nullable_adds=("reach",))
    # The inserted row keeps the first row's other columns (campaign 7); unknown reach stays NULL, never 0.
    assert _read(db, org_id) == {(1, "x"): (7, 10, 3, 6, 150), (2, "x"): (7, 1, 1, 2, None),
                                 (2, "mastodon"): (7, 4, 1, 2, None)}
    upsert(conn, POST_DAY, [_row(org_id, 2, points=2, reach=None), _row(org_id, 2, points=1, reach=30),
                            _row(org_id, 1, points=1, reach=None)], keys=KEYS, adds=SUMS, nullable_adds=("reach",))
    assert _read(db, org_id) == {(1, "x"): (7, 11, 4, 8, 150), (2, "x"): (7, 4, 3, 6, 30),
                                 (2, "mastodon"): (7, 4, 1, 2, None)}


def test_set_columns_take_the_last_row_of_a_key(db, make):
    org_ids = [make.org().id, make.org().id]
    table = RollupStamp.__table__
    upsert(db.session.connection(), table, [{"org_id": org_ids[0], "version": 1}, {"org_id": org_ids[1], "version": 5},
                                            {"org_id": org_ids[0], "version": 3}], keys=("org_id",), adds=(),
           sets=("version",))
    assert dict(db.session.execute(sa.select(table.c.org_id, table.c.version)
                                   .where(table.c.org_id.in_(org_ids))).tuples().all()) == {
        org_ids[0]: 3, org_ids[1]: 5}
