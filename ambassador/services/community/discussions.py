"""Topics and discussions: a topic is a title and its first message; members reply; staff pin topics.

Hidden messages (see services/community/moderation.py) stay in the thread: staff see them with the reason,
everyone else sees that a moderator hid them.
"""
from __future__ import annotations

import sqlalchemy as sa

from ...extensions import db
from ...models import Membership, Message, Organization, Topic, utcnow
from .participation import clean_text, require_staff

TITLE_MAX, BODY_MAX = 160, 5000


def topic_page(*, org: Organization, page: int, per_page: int):
    """Pinned topics first, then the most recently active."""
    query = (sa.select(Topic).where(Topic.org_id == org.id)
             .order_by(Topic.pinned.desc(), Topic.last_activity_at.desc(), Topic.id.desc()))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def reply_counts(topic_ids) -> dict[int, int]:
    """Messages after the opening one, per topic (hidden ones included: the thread shows where they were)."""
    ids = list(topic_ids)
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Message.topic_id, sa.func.count(Message.id))
                              .where(Message.topic_id.in_(ids)).group_by(Message.topic_id))
    return {topic_id: 0 for topic_id in ids} | {topic_id: total - 1 for topic_id, total in rows}


def create_topic(*, org: Organization, membership: Membership, title: str, body: str) -> Topic:
    title = clean_text(title, field="title", max_length=TITLE_MAX, single_line=True)
    body = clean_text(body, field="body", max_length=BODY_MAX)
    now = utcnow()
    topic = Topic(org_id=org.id, author_id=membership.id, title=title, created_at=now, last_activity_at=now)
    topic.messages.append(Message(org_id=org.id, author_id=membership.id, body=body, created_at=now))
    db.session.add(topic)
    db.session.flush()
    return topic


def reply(*, topic: Topic, membership: Membership, body: str) -> Message:
    body = clean_text(body, field="body", max_length=BODY_MAX)
    now = utcnow()
    message = Message(org_id=topic.org_id, topic_id=topic.id, author_id=membership.id, body=body, created_at=now)
    db.session.add(message)
    topic.last_activity_at = now
    db.session.flush()
    return message


def message_page(*, topic: Topic, page: int, per_page: int):
    query = sa.select(Message).where(Message.topic_id == topic.id).order_by(Message.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def position(*, message: Message) -> int:
    """The message's number in its thread (1 = the opening message)."""
    return db.session.scalar(sa.select(sa.func.count(Message.id)).where(
        Message.topic_id == message.topic_id, Message.id <= message.id)) or 0


def set_pinned(*, topic: Topic, membership: Membership, pinned: bool) -> Topic:
    require_staff(membership)
    topic.pinned = pinned
    db.session.flush()
    return topic
