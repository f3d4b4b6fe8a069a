"""PostgreSQL: the worker's claim (services/publishing/leases.py) can read the publishing queue's own index in the
plan PostgreSQL keeps for it once prepared (a generic plan, made without the parameters' values).

ix_share_queue holds only due API shares ("WHERE status = 'scheduled' AND method = 'api'"), in the order they are
claimed. With those two values sent as parameters, only a plan made for each execution's values could use it: the
claim was planned afresh every time (1-2.5 ms) and then often summed every due share in a bitmap scan (4 ms with
1,500 due) instead of reading the head of the queue in order.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from ambassador.services.publishing import leases


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, datetime):
        return f"'{value.isoformat(sep=' ')}'"
    return "'" + str(value).replace("'", "''") + "'"


def _generic_plan(db, statement: sa.Executable, params: dict) -> str:
    """The plan PostgreSQL makes for the statement prepared with $n parameters, without their values."""
    compiled = statement.compile(dialect=pg_psycopg.dialect(paramstyle="numeric_dollar"))
    values = {**compiled.params, **params}
    names = compiled.positiontup or []
    conn = db.session.connection()
    conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # (the test's tables are nearly empty)
    conn.exec_driver_sql(f"PREPARE claim_plan AS {compiled.string}".replace("%", "%%"))
    try:
        arguments = ", ".join(_literal(values[name]) for name in names)
        return "\n".join(conn.exec_driver_sql(f"EXPLAIN EXECUTE claim_plan({arguments})".replace("%", "%%"))
                         .scalars())
    finally:
        conn.exec_driver_sql("DEALLOCATE claim_plan")


def test_the_claims_kept_plan_reads_the_head_of_the_queue_from_its_index(db):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plan cache")
    now = datetime(2026, 12, 7, 6, 0)
    plan = _generic_plan(db, leases._claim_next_statement(), {
        "now": now, "claim_limit": 6, "worker_id": "w", "lease_until": now + timedelta(minutes=5)})
    assert "$3" in plan or "$1" in plan, plan  # a generic plan: the values are not in it
    assert "ix_share_queue" in plan, plan
    db.session.rollback()
