"""Reading an organization's audit log back: filters, keyset pages (newest first) and the CSV export's rows.

Pages are keyset, not offset: "older than (at, id)" uses the (org_id, at) index however deep the reader goes,
and an event recorded meanwhile does not shift the page. Every query is scoped to one organization."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ...extensions import db
from ...models import AuditEvent
from . import labels

PAGE = 50
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class AuditFilter:
    group: str = ""  # an action group ("auth") or one action ("auth.sign_in"); "" for all
    actor: str = ""  # part of the actor's address
    since: date | None = None  # first day, in the organization's time zone
    until: date | None = None  # last day (included)
    q: str = ""  # part of the target's label or id


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _local_midnight(day: date, timezone: str) -> datetime:
    """The UTC time (naive, as stored) at which `day` begins in `timezone`."""
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def query(*, org_id: int, timezone: str, filters: AuditFilter) -> sa.Select:
    stmt = sa.select(AuditEvent).where(AuditEvent.org_id == org_id)
    if filters.group:
        if "." in filters.group:
            stmt = stmt.where(AuditEvent.action == filters.group)
        elif filters.group in labels.GROUPS:
            stmt = stmt.where(AuditEvent.action.like(filters.group + ".%"))
    if filters.actor.strip():
        stmt = stmt.where(sa.func.lower(AuditEvent.actor_label).like(_like(filters.actor.strip().lower()),
                                                                     escape="\\"))
    if filters.since:
        stmt = stmt.where(AuditEvent.at >= _local_midnight(filters.since, timezone))
    if filters.until:
        stmt = stmt.where(AuditEvent.at < _local_midnight(filters.until + timedelta(days=1), timezone))
    if filters.q.strip():
        pattern = _like(filters.q.strip().lower())
        stmt = stmt.where(sa.or_(sa.func.lower(AuditEvent.target_label).like(pattern, escape="\\"),
                                 AuditEvent.target_id == filters.q.strip()))
    return stmt


def encode_cursor(event: AuditEvent) -> str:
    return f"{event.at.strftime('%Y%m%d%H%M%S%f')}-{event.id}"


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The (at, id) a page continues after; None for the first page or a cursor that is not one of ours."""
    try:
        stamp, event_id = (cursor or "").split("-", 1)
        return datetime.strptime(stamp, "%Y%m%d%H%M%S%f"), int(event_id)
    except ValueError:
        return None


def _older_than(stmt: sa.Select, after: tuple[datetime, int] | None) -> sa.Select:
    if after is not None:
        at, event_id = after
        stmt = stmt.where(sa.or_(AuditEvent.at < at, sa.and_(AuditEvent.at == at, AuditEvent.id < event_id)))
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    next_cursor: str | None  # None on the last page


def page(*, org_id: int, timezone: str, filters: AuditFilter, cursor: str | None = None,
         limit: int | None = None) -> Page:
    limit = limit or PAGE
    stmt = _older_than(query(org_id=org_id, timezone=timezone, filters=filters), decode_cursor(cursor))
    events = list(db.session.scalars(stmt.limit(limit + 1)))
    return Page(events=events[:limit], next_cursor=encode_cursor(events[limit - 1]) if len(events) > limit else None)


def iter_events(*, org_id: int, timezone: str, filters: AuditFilter) -> Iterator[AuditEvent]:
    """Every matching event, newest first, read EXPORT_BATCH at a time (keyset), for a streamed export."""
    after = None
    while True:
        batch = list(db.session.scalars(_older_than(query(org_id=org_id, timezone=timezone, filters=filters), after)
                                         .limit(EXPORT_BATCH)))
        yield from batch
        if len(batch) < EXPORT_BATCH:
            return
        after = (batch[-1].at, batch[-1].id)


def actor_text(event: AuditEvent, product: str) -> str:
    return event.actor_label or product
