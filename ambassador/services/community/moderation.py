"""Simple moderation of discussion messages: staff hide a message with a reason (and can show it again);
members report a message with a reason; staff work through the open reports (hide or dismiss)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import Membership, Message, MessageReport, Organization, ReportState, utcnow
from .participation import CommunityError, clean_text, insert_once, require_staff

REASON_MAX = 300


def hide_message(*, message: Message, moderator: Membership, reason: str) -> Message:
    """Hide the message for everyone but staff; open reports about it are settled as "hidden"."""
    require_staff(moderator)
    reason = clean_text(reason, field="reason", max_length=REASON_MAX, single_line=True)
    now = utcnow()
    message.hidden_at, message.hidden_reason, message.hidden_by_id = now, reason, moderator.id
    _settle_reports(message=message, moderator=moderator, state=ReportState.HIDDEN, now=now)
    db.session.flush()
    return message


def show_message(*, message: Message, moderator: Membership) -> Message:
    require_staff(moderator)
    message.hidden_at, message.hidden_reason, message.hidden_by_id = None, "", None
    db.session.flush()
    return message


def report_message(*, message: Message, membership: Membership, reason: str) -> MessageReport:
    """A member flags a message for the staff; once per member and message."""
    reason = clean_text(reason, field="reason", max_length=REASON_MAX, single_line=True)
    if message.hidden_at is not None:
        raise CommunityError({"reason": _l("A moderator has already hidden this message.")})
    if message.author_id == membership.id:
        raise CommunityError({"reason": _l("You cannot report your own message.")})
    report = MessageReport(org_id=message.org_id, message_id=message.id, reporter_id=membership.id, reason=reason)
    return insert_once(report, duplicate=CommunityError({"reason": _l("You have already reported this message.")}))


def open_reports(*, org: Organization) -> list[MessageReport]:
    return list(db.session.scalars(sa.select(MessageReport).where(
        MessageReport.org_id == org.id, MessageReport.state == ReportState.OPEN).order_by(MessageReport.created_at,
                                                                                MessageReport.id)))


def open_reports_by_message(*, org: Organization) -> list[tuple[Message, list[MessageReport]]]:
    """The queue: one entry per reported message (oldest report first) with all its open reports."""
    grouped: dict[int, tuple[Message, list[MessageReport]]] = {}
    for report in open_reports(org=org):
        grouped.setdefault(report.message_id, (report.message, []))[1].append(report)
    return list(grouped.values())


def reported_by(*, membership: Membership, message_ids) -> set[int]:
    """Which of these messages the member has reported (so the page can say so instead of offering it again)."""
    ids = list(message_ids)
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(MessageReport.message_id).where(
        MessageReport.reporter_id == membership.id, MessageReport.message_id.in_(ids))))


def count_open_reports(*, org: Organization) -> int:
    return db.session.scalar(sa.select(sa.func.count(MessageReport.id)).where(
        MessageReport.org_id == org.id, MessageReport.state == ReportState.OPEN)) or 0


def dismiss_report(*, report: MessageReport, moderator: Membership) -> MessageReport:
    """The message stays visible; every open report about it is settled (one decision per message)."""
    require_staff(moderator)
    _settle_reports(message=report.message, moderator=moderator, state=ReportState.DISMISSED, now=utcnow())
    db.session.flush()
    return report


def _settle_reports(*, message: Message, moderator: Membership, state: str, now) -> None:
    db.session.execute(
        sa.update(MessageReport)
        .where(MessageReport.message_id == message.id, MessageReport.state == ReportState.OPEN)
        .values(state=state, resolved_at=now, resolved_by_id=moderator.id)
        .execution_options(synchronize_session="fetch"))
