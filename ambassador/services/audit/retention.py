"""Keeping the audit log no longer than each organization wants: its `audit_retention_days` (an admin setting,
MIN_DAYS to MAX_DAYS). The purge deletes in batches (a committed batch at a time), so a first purge of years of
events never holds one long transaction nor the SQLite write lock for long."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ...extensions import db
from ...infra.database import changed_rows
from ...models import AuditEvent, Organization, utcnow

MIN_DAYS = 30
MAX_DAYS = 3650
BATCH = 1000


def purge_batch(*, org_id: int, days: int, now: datetime | None = None, limit: int = BATCH) -> int:
    """Delete up to `limit` of the organization's events older than `days`; returns how many. The caller commits."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    ids = db.session.scalars(sa.select(AuditEvent.id).where(AuditEvent.org_id == org_id, AuditEvent.at < cutoff)
                             .order_by(AuditEvent.at).limit(limit)).all()
    if not ids:
        return 0
    return changed_rows(sa.delete(AuditEvent).where(AuditEvent.id.in_(ids))
                        .execution_options(synchronize_session=False))


def retentions() -> list[tuple[int, int]]:
    """(organization id, retention days) of every organization."""
    return [(org_id, days) for org_id, days in db.session.execute(
        sa.select(Organization.id, Organization.audit_retention_days).order_by(Organization.id))]


def purge_orphans_batch(*, days: int = MIN_DAYS, now: datetime | None = None, limit: int = BATCH) -> int:
    """Events of no organization (failed sign-ins for unknown addresses) are kept MIN_DAYS."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    ids = db.session.scalars(sa.select(AuditEvent.id).where(AuditEvent.org_id.is_(None), AuditEvent.at < cutoff)
                             .limit(limit)).all()
    if not ids:
        return 0
    return changed_rows(sa.delete(AuditEvent).where(AuditEvent.id.in_(ids))
                        .execution_options(synchronize_session=False))
