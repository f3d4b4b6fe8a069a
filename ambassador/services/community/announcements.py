"""Announcements for the organization's chat channels (Slack/Teams): the one place events go to be posted there.

`announce()` records the message in the `announcement` table in the caller's transaction — at most once per
(topic, ref), so an event announced twice (a retried job) is posted once. The challenges hand each new one to the
Slack/Teams outbox of services/notify (`webhooks.notify`) in the same transaction and mark it `handed_over`;
`pending()` / `delivered()` serve a deliverer that reads the rows itself.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...infra.upsert import insert_ignoring_duplicates
from ...models import Announcement, utcnow


def announce(*, org_id: int, topic: str, ref: str, title: str, text: str, url: str) -> bool:
    """Queue one message for the organization's channels; False when (topic, ref) was already announced."""
    return insert_ignoring_duplicates(Announcement, {"org_id": org_id, "topic": topic, "ref": ref,
                                                     "title": title[:255], "text": text, "url": url[:500],
                                                     "created_at": utcnow()}, keys=("topic", "ref"))


def pending(*, limit: int = 100) -> list[Announcement]:
    """The oldest messages not delivered yet (for the delivery job)."""
    return list(db.session.scalars(sa.select(Announcement).where(Announcement.delivered_at.is_(None))
                                   .order_by(Announcement.id).limit(limit)))


def delivered(*, announcement_id: int, at: datetime | None = None) -> None:
    db.session.execute(sa.update(Announcement).where(Announcement.id == announcement_id)
                       .values(delivered_at=at or utcnow()).execution_options(synchronize_session=False))


def handed_over(*, org_id: int, topic: str, ref: str) -> None:
    """The event's message was queued for the chat webhooks in this transaction (services/notify): not pending."""
    db.session.execute(sa.update(Announcement).where(Announcement.org_id == org_id, Announcement.topic == topic,
                                                     Announcement.ref == ref, Announcement.delivered_at.is_(None))
                       .values(delivered_at=utcnow()).execution_options(synchronize_session=False))


def of_org(*, org_id: int, topic: str | None = None, limit: int = 20) -> list[Announcement]:
    query = sa.select(Announcement).where(Announcement.org_id == org_id)
    if topic:
        query = query.where(Announcement.topic == topic)
    return list(db.session.scalars(query.order_by(Announcement.id.desc()).limit(limit)))
