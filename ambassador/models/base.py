"""Shared column helpers."""
from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC timestamp (both SQLite and PostgreSQL store it the same way)."""
    return datetime.now(UTC).replace(tzinfo=None)
