"""Cursor pagination: rows in (sort key, id) order, the next page starting after an opaque cursor that encodes
the last row's (sort key, id). Unlike offsets, rows added meanwhile neither repeat nor get skipped."""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _

from ..extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200),
                              metadata={"description": "The `next_cursor` of the page before (opaque)."})
    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(min=1, max=MAX_LIMIT),
                              metadata={"description": "Rows per page."})


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """{"data": [item…], "next_cursor": str|null} for `item`."""
    return ma.Schema.from_dict({
        "data": ma.fields.List(ma.fields.Nested(item), required=True),
        "next_cursor": ma.fields.String(allow_none=True, required=True,
                                        metadata={"description": "Pass as `cursor` for the next page; null "
                                                                 "on the last page."}),
    }, name=name)


def _encode(value: Any, row_id: int) -> str:
    if isinstance(value, datetime):
        value = {"t": value.isoformat()}
    raw = json.dumps([value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, row_id = json.loads(raw)
        if isinstance(value, dict):
            value = datetime.fromisoformat(value["t"])
        if not _is_id(row_id) or not (isinstance(value, datetime) or _is_id(value)):
            raise ValueError(row_id)
        return value, row_id
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError, RecursionError):
        abort(400, description=_("This cursor is not one the API handed out."))


def paginate(query: sa.Select, *, sort, id_col, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """One page of `query` (rows of one entity) in (sort, id) order and the cursor of the next (None: last)."""
    if cursor:
        value, row_id = _decode(cursor)
        if not isinstance(value, sort.type.python_type):
            abort(400, description=_("This cursor is not one the API handed out."))
        query = query.where(sa.or_(sort > value, sa.and_(sort == value, id_col > row_id)))
    rows = list(db.session.scalars(query.order_by(sort, id_col).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, _encode(getattr(last, sort.key), getattr(last, id_col.key))



def page_by_creation(query: sa.Select, model, args: dict) -> tuple[list, str | None]:
    """`paginate` over a model's (created_at, id) with the request's cursor and limit: most lists' order."""
    return paginate(query, sort=model.created_at, id_col=model.id, cursor=args["cursor"], limit=args["limit"])


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31
