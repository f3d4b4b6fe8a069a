"""JSON built by the database, the same expression on PostgreSQL and SQLite.

A statement that reads a member's teams or their totals in another window as a correlated subquery, one JSON
value per row, instead of joining two or three more tables: PostgreSQL plans a join of six or seven tables in
about a millisecond on every execution (the app's transactions end in a rollback, which drops psycopg's
prepared statements, so every statement is planned again), and a correlated subquery in a fraction of it.

* `json_row(a, b, …)`: a JSON array of the values (`json_build_array` / `json_array`);
* `json_list(value)`: an aggregate, the JSON array of the values of the group (`json_agg` / `json_group_array`),
  `[]` for no rows on both (PostgreSQL's `json_agg` alone gives NULL), in no particular order.

Read as a column of their own (a scalar subquery), they come back as Python lists (type JSON).

* `in_json_ids(column, name)`: `column IN` the integers of the JSON array passed as parameter `name`
  (`json_ids(ids)` makes its value): a statement over a list of ids whose SQL does not depend on how many there
  are, so it can be built, compiled and prepared once (an IN list of bound values is new SQL for each length).
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import coercions, roles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal


class json_row(FunctionElement[Any]):
    type = sa.JSON()
    inherit_cache = True
    name = "json_row"


class json_list(FunctionElement[Any]):
    type = sa.JSON()
    inherit_cache = True
    name = "json_list"


@compiles(json_row, "postgresql")
def _row_postgresql(element, compiler, **kw) -> str:
    return f"json_build_array({compiler.process(element.clauses, **kw)})"


@compiles(json_row)
def _row_sqlite(element, compiler, **kw) -> str:
    return f"json_array({compiler.process(element.clauses, **kw)})"


@compiles(json_list, "postgresql")
def _list_postgresql(element, compiler, **kw) -> str:
    return f"coalesce(json_agg({compiler.process(element.clauses, **kw)}), '[]')"


@compiles(json_list)
def _list_sqlite(element, compiler, **kw) -> str:
    return f"json_group_array({compiler.process(element.clauses, **kw)})"


class in_json_ids(sa.ColumnElement[bool]):
    type = sa.Boolean()
    inherit_cache = True
    # Its parts, for SQLAlchemy's statement cache key: without them a statement using it had no cache key and was
    # compiled again on every execution.
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("ids", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: Any, name: str) -> None:  # a column or a mapped attribute
        self.column = coercions.expect(roles.ExpressionElementRole, column)
        self.ids = sa.bindparam(name, type_=sa.String)


def json_ids(ids: Iterable[int]) -> str:
    """The value of an `in_json_ids` parameter."""
    return json.dumps([int(i) for i in ids])


@compiles(in_json_ids, "postgresql")
def _in_ids_postgresql(element, compiler, **kw) -> str:
    return (f"{compiler.process(element.column, **kw)} IN (SELECT CAST(value AS INTEGER) FROM "
            f"json_array_elements_text(CAST({compiler.process(element.ids, **kw)} AS JSON)))")


@compiles(in_json_ids)
def _in_ids_sqlite(element, compiler, **kw) -> str:
    ids = compiler.process(element.ids, **kw)
    return f"{compiler.process(element.column, **kw)} IN (SELECT value FROM json_each({ids}))"
