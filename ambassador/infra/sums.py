"""Sums of BIGINT columns over many rows, summed in double precision.

PostgreSQL sums a BIGINT into a NUMERIC, accumulated in arbitrary precision: summing the points of the 385,000
rollup cells of a custom range's two weeks took 40 ms longer than the same sum in double precision (bench data
set, 100,000 members). A double holds every integer up to 2^53 exactly, and so does each partial sum below it: a
sum of points stays exact while it stays under 9 × 10^15 (points per event are at most 10,000). The result is
cast back to BIGINT. SQLite gets the same expression (REAL, then INTEGER), exact under the same bound.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def big_sum(column: Any, where: sa.ColumnElement[bool] | None = None) -> sa.ColumnElement[int]:
    """sum(column) as BIGINT, accumulated in double precision; with `where`: sum(…) FILTER (WHERE where)."""
    total: sa.ColumnElement = sa.func.sum(sa.cast(column, sa.Double()))
    return sa.cast(total if where is None else total.filter(where), sa.BigInteger())
