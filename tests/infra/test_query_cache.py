"""psycopg keeps the conversion of our long queries too (infra/database.py cache_long_queries): a statement the app
builds once and runs again and again (a kept board's read: 4,506 bytes) is converted once, not on every execution."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ambassador.infra import database


def test_a_query_longer_than_psycopgs_own_limit_is_converted_once(db):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("psycopg's query conversion: PostgreSQL only")
    from psycopg import _queries

    # Longer than psycopg's own limit (4096 bytes), shorter than ours; the same text run three times.
    query = sa.text("SELECT CAST(:n AS integer) + 1 /* " + "x" * 6000 + " */")
    assert 4096 < len(str(query)) < database.PSYCOPG_CACHED_QUERY_BYTES
    assert db.session.execute(query, {"n": 1}).scalar_one() == 2
    hits = _queries._query2pg.cache_info().hits
    assert [db.session.execute(query, {"n": n}).scalar_one() for n in (2, 3)] == [3, 4]
    assert _queries._query2pg.cache_info().hits == hits + 2  # without the setting: converted again each time


def test_the_limit_is_raised_not_lowered(monkeypatch):
    from psycopg import _queries

    monkeypatch.setattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", 4096)
    database.cache_long_queries()
    assert _queries.MAX_CACHED_STATEMENT_LENGTH == database.PSYCOPG_CACHED_QUERY_BYTES
    monkeypatch.setattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", 10 * database.PSYCOPG_CACHED_QUERY_BYTES)
    database.cache_long_queries()
    assert _queries.MAX_CACHED_STATEMENT_LENGTH == 10 * database.PSYCOPG_CACHED_QUERY_BYTES


def test_arrays_of_ids_above_a_smallint_reach_the_server_whole(db):
    """Member ids pass 32,767 in any large organization: an array of them must go as integers, whatever came
    before it (a dumper of ints registered over psycopg's own kept the type of a first array of small ids, and
    sent [32, 99317] as a smallint[] that the server refused; the tests' small ids never showed it)."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("psycopg's parameter types: PostgreSQL only")
    small, ids = [1, 2], [32, 99_317, 5]
    query = sa.text("SELECT CAST(:small AS integer[]), CAST(:ids AS integer[])")
    assert tuple(db.session.execute(query, {"small": small, "ids": ids}).one()) == (small, ids)
    assert db.session.execute(sa.text("SELECT CAST(:ids AS integer[])"), {"ids": ids}).scalar_one() == ids


def test_a_statement_given_small_and_large_ids_is_prepared_once(db):
    """psycopg sends an int as the smallest type holding it and keys its prepared statements by the parameters'
    types: member 5 (smallint) and member 50,000 (integer) made two statements, each planned afresh until it had
    run five times. Our connections send both as integers (infra/database.py postgresql_settings)."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("psycopg's prepared statements: PostgreSQL only")
    types = db.session.execute(sa.text("SELECT pg_typeof(:a)::text, pg_typeof(:b)::text, pg_typeof(:c)::text"),
                               {"a": 5, "b": 50_000, "c": 2**40}).one()
    assert tuple(types) == ("integer", "integer", "bigint")
    query = sa.text("SELECT CAST(:member AS integer) /* prepared once? */")
    # psycopg prepares a statement on its 6th execution (prepare_threshold 5): six runs of one statement
    # prepare it once; two statements (smallint, integer) of three runs each are never prepared.
    for member in (5, 50_000, 6, 50_001, 7, 50_002):
        db.session.execute(query, {"member": member})
    prepared = db.session.execute(sa.text(
        "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%/* prepared once? */%'")).scalar_one()
    assert prepared == 1  # psycopg's own dumper: none (three runs of each variant)


def test_a_statement_over_a_json_array_of_ids_is_compiled_once(db, make):
    """SQLAlchemy compiles a statement once per shape and keeps it, when the statement has a cache key: one with
    `in_json_ids` had none (its parts were not declared), so the publishing worker compiled its share locks,
    member locks and organization rules again on every batch."""
    from ambassador.infra.json_sql import in_json_ids, json_ids
    from ambassador.models import Membership

    org = make.org()
    members = [make.member(org) for _ in range(3)]
    by_id = sa.select(Membership.id).where(in_json_ids(Membership.id, "ids")).order_by(Membership.id)
    assert by_id._generate_cache_key() is not None
    assert by_id._generate_cache_key() != sa.select(Membership.id).where(
        in_json_ids(Membership.user_id, "ids"))._generate_cache_key()
    assert by_id._generate_cache_key() != sa.select(Membership.id).where(
        in_json_ids(Membership.id, "other"))._generate_cache_key()

    conn = db.session.connection()
    wanted = sorted(m.id for m in members[:2])
    first = conn.execute(by_id, {"ids": json_ids(wanted)})
    again = conn.execute(sa.select(Membership.id).where(in_json_ids(Membership.id, "ids")).order_by(Membership.id),
                         {"ids": json_ids([members[2].id])})
    assert first.scalars().all() == wanted and again.scalars().all() == [members[2].id]
    assert again.context.cache_hit == again.context.cache_hit.CACHE_HIT  # the same statement built again: not compiled
