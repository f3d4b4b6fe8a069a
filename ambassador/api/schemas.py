"""Schemas shared by every resource."""
from __future__ import annotations

import marshmallow as ma


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, with `code` (a short stable kind) and `errors` ({field: [messages]})."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    code = ma.fields.String(required=True)
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()))
