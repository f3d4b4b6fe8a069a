"""Shared fields and helpers of the resource modules."""
from __future__ import annotations

from datetime import UTC

import marshmallow as ma
import sqlalchemy as sa
from flask import abort, jsonify

from ..extensions import db
from ..infra.urls import absolute_url
from . import auth

MAX_ID = 2**31 - 1  # PostgreSQL integer: a larger id is no row of ours (and must not reach the database)


def id_field(description: str) -> ma.fields.Integer:
    return ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=MAX_ID),
                             metadata={"description": description})


def scoped_or_404(model, object_id: int):
    """A row of the token's organization by id; another organization's row is a 404, as a missing one."""
    obj = db.session.scalar(sa.select(model).where(model.id == object_id, model.org_id == auth.org().id))
    if obj is None:
        abort(404)
    return obj


def created(schema: ma.Schema, obj, endpoint: str, **values):
    """201 with the new resource and its Location: absolute, from PUBLIC_BASE_URL like every URL that leaves
    the product (a client behind a proxy or on another host must be able to follow it)."""
    response = jsonify(schema.dump(obj))
    response.status_code = 201
    response.headers["Location"] = absolute_url(endpoint, **values)
    return response


class UtcDateTime(ma.fields.DateTime):
    """The database's naive UTC times as RFC 3339 date-times with their offset ("…+00:00")."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)
