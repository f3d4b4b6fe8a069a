"""The audit log: an append-only record of who did what, when and from where, per organization."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, utcnow


class AuditEvent(Model):
    """One thing a person (or the product itself) did. Rows are only ever added; the two exceptions live in
    services/audit: the retention purge deletes rows older than the organization's retention, and erasing a
    member replaces their name and address in the rows that name them (the action and time stay).

    `org_id` is None only for events that belong to no organization (a failed sign-in for an address that
    is nobody's). `actor_label` and `target_label` are copied when the event happens, so the log still reads
    after the member, post or token it names is gone."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_org_at", "org_id", "at"),
                      sa.Index("ix_audit_event_org_action_at", "org_id", "action", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # Dotted, stable names (services/audit/actions.py lists them): filters and exports rely on them.
    action: Mapped[str] = mapped_column(sa.String(64))
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(255), default="")
    # How the actor reached us: web, api, sso, cli, worker.
    via: Mapped[str] = mapped_column(sa.String(16), default="web")
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    target_type: Mapped[str] = mapped_column(sa.String(32), default="")
    target_id: Mapped[str] = mapped_column(sa.String(64), default="")
    target_label: Mapped[str] = mapped_column(sa.String(255), default="")
    # What changed, as a small JSON object (old/new values, reasons); never secrets or tokens.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
