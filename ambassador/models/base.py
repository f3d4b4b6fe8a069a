"""Shared column helpers."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ..extensions import db

if TYPE_CHECKING:
    # What db.Model is built on, as the type checker can see it (Flask-SQLAlchemy makes db.Model at run time).
    from ..extensions import Base as Model
else:
    Model = db.Model


def utcnow() -> datetime:
    """Naive UTC timestamp (both SQLite and PostgreSQL store it the same way)."""
    return datetime.now(UTC).replace(tzinfo=None)


def one_of(column: str, values: Iterable[str]) -> sa.CheckConstraint:
    """A CHECK that `column` holds one of `values` (an enum's members), named ck_<table>_<column>_valid."""
    allowed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_valid")
