"""Signed event webhooks (Standard Webhooks): endpoints an admin registers for product events, and the
deliveries queued for them (an outbox, like the chat webhooks of models/notify.py, but a separate feature:
any https receiver, a signing secret per endpoint, a JSON event body)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, one_of, utcnow
from .notify import DeliveryStatus


class EventHook(Model):
    """An https endpoint of an organization that receives the events it subscribed to, signed with its secret
    (`whsec_<base64>`, stored encrypted, shown once). Disabled after failing continuously (services)."""

    __tablename__ = "event_hook"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.String(1000))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    # Event types (services/notify/event_hooks.EVENT_TYPES) this endpoint receives.
    events: Mapped[list] = mapped_column(sa.JSON, default=list)
    secret_enc: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_success_at: Mapped[datetime | None]
    # The first failure since the last success, and how many deliveries failed in a row since then.
    failing_since: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(255))


class EventHookDelivery(Model):
    """One event for one endpoint: `event_id` is the Standard Webhooks `webhook-id` (the same on every retry and
    redelivery, so a receiver can drop duplicates) and `body` the exact JSON that is signed and sent."""

    __tablename__ = "event_hook_delivery"
    __table_args__ = (one_of("status", DeliveryStatus),
                      sa.Index("ix_event_hook_delivery_due", "status", "next_attempt_at"),
                      sa.Index("ix_event_hook_delivery_hook_id", "hook_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    hook_id: Mapped[int] = mapped_column(sa.ForeignKey("event_hook.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(sa.String(64))
    event_type: Mapped[str] = mapped_column(sa.String(40))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(8), default=DeliveryStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    response_status: Mapped[int | None]
    duration_ms: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    last_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    hook: Mapped[EventHook] = relationship()
