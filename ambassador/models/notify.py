"""Slack and Microsoft Teams incoming webhooks, and the messages queued for them (an outbox)."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, one_of, utcnow
from .organization import Team


class WebhookKind(enum.StrEnum):
    SLACK = "slack"
    TEAMS = "teams"


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its next attempt (next_attempt_at)
    SENDING = "sending"  # claimed by a worker (claimed_at); a stale claim is queued again
    SENT = "sent"
    FAILED = "failed"  # gave up: out of attempts, or the hook is gone


WEBHOOK_KINDS = tuple(WebhookKind)
DELIVERY_STATUSES = tuple(DeliveryStatus)


class WebhookEndpoint(Model):
    """An incoming webhook URL for the whole organization (team_id None) or one team. The URL is a secret
    (whoever holds it may post to the channel): stored encrypted, shown by its host and last characters."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = (one_of("kind", WebhookKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    url_encrypted: Mapped[str] = mapped_column(sa.Text)
    url_hint: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_success_at: Mapped[datetime | None]
    # Set when the service says the hook is gone (404 no_service, 410): nothing is queued for it any more.
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(255))

    team: Mapped[Team | None] = relationship()


class WebhookDelivery(Model):
    """One message for one endpoint, queued in the same transaction as its event; the worker sends it."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (one_of("status", DeliveryStatus),
                      sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True)
    event_kind: Mapped[str] = mapped_column(sa.String(32))
    text: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str] = mapped_column(sa.String(2000), default="")
    status: Mapped[str] = mapped_column(sa.String(8), default=DeliveryStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()
