"""big_sum (infra/sums.py): a BIGINT sum accumulated in double precision is still exact, on both databases."""
from __future__ import annotations

import sqlalchemy as sa

from ambassador.infra.sums import big_sum


def _rows(values: list[tuple[int, bool]]) -> sa.Subquery:
    return sa.union_all(*(sa.select(sa.literal(v, sa.BigInteger).label("v"), sa.literal(f, sa.Boolean).label("f"))
                          for v, f in values)).subquery("r")


def test_a_sum_of_large_points_is_exact_and_an_integer(db):
    # Each value and every partial sum below 2^53, but far past what a 32-bit integer or a float's 24 bits hold.
    values = [(2**40 + 1, True), (2**45 + 3, False), (-(2**41) + 7, True), (123_456_789_012, True), (1, False)]
    rows = _rows(values)
    total, filtered, nothing = db.session.execute(sa.select(
        big_sum(rows.c.v), big_sum(rows.c.v, rows.c.f), big_sum(rows.c.v, rows.c.v > 2**50))).one()
    assert total == sum(v for v, _ in values) and isinstance(total, int)
    assert filtered == sum(v for v, f in values if f) and isinstance(filtered, int)
    assert nothing is None  # no row matched: NULL, as sum() gives
