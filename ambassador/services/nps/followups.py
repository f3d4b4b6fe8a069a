"""Detractors get an answer: a follow-up per 0–6 answer, assigned to staff, with notes and a due date.

* `open_for_response(response=)` opens the follow-up of one detractor answer (idempotent: the
  unique response_id and a savepoint make a second call, even a concurrent one, a no-op).
* `open_missing(org_id=None)` catches up on detractor answers that have none (the follow-up list
  calls it on every load, so nothing depends on the survey pages calling us).
* A resolved detractor can be surveyed again ("closing the loop"): `resurvey_refusal` says when not;
  survey_invitations.resurvey creates a new SurveyInvitation for the same respondent and emails it.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from ...errors import ServiceError
from ...extensions import db
from ...infra.email import send_email
from ...infra.urls import absolute_url
from ...models import (
    FOLLOW_UP_STATUSES,
    ROLE_RANK,
    FollowUp,
    FollowUpNote,
    FollowUpStatus,
    Membership,
    MemberStatus,
    Organization,
    PassiveMessage,
    Role,
    SurveyInvitation,
    SurveyResponse,
    SurveyStatus,
    User,
    utcnow,
)
from ..hooks import endpoints as hooks
from ..org.email_verification import require_verified

DUE_AFTER = timedelta(days=3)
NOTE_MAX = 4000
STAFF_ROLES = tuple(role for role, rank in ROLE_RANK.items() if rank >= ROLE_RANK[Role.CURATOR])


class FollowUpError(ServiceError):
    """A change that is refused, with a message for the person."""

    code = "follow_up"


def staff_members(*, org_id: int) -> list[Membership]:
    """Who can be assigned: active curators, managers and admins, by name."""
    return list(db.session.scalars(
        sa.select(Membership).join(User, Membership.user_id == User.id)
        .where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE, Membership.role.in_(STAFF_ROLES))
        .order_by(sa.func.lower(User.name), User.email)))


def _default_assignee(response: SurveyResponse) -> Membership | None:
    """The survey's creator, while they are active staff of the organization."""
    creator_id = response.survey.created_by_id
    if creator_id is None:
        return None
    membership = db.session.scalar(sa.select(Membership).where(
        Membership.org_id == response.org_id, Membership.user_id == creator_id))
    return membership if membership is not None and membership.has_role(Role.CURATOR) else None


def open_for_response(*, response: SurveyResponse) -> FollowUp | None:
    """The follow-up of a detractor answer, opened once (None for promoters and passives)."""
    if response.group != "detractor":
        return None
    existing = db.session.scalar(sa.select(FollowUp).where(FollowUp.response_id == response.id))
    if existing is not None:
        return existing
    assignee = _default_assignee(response)
    follow_up = FollowUp(org_id=response.org_id, response_id=response.id, status=FollowUpStatus.OPEN,
                         assignee_membership_id=assignee.id if assignee else None,
                         due_at=(response.created_at or utcnow()) + DUE_AFTER)
    try:
        with db.session.begin_nested():
            db.session.add(follow_up)
    except IntegrityError:  # opened at the same moment by another request or the catch-up
        return db.session.scalar(sa.select(FollowUp).where(FollowUp.response_id == response.id))
    hooks.emit(follow_up.org_id, "followup.opened", {
        "follow_up_id": follow_up.id, "response_id": response.id, "survey_id": response.survey_id,
        "score": response.score, "assignee_member_id": follow_up.assignee_membership_id,
        "due_at": follow_up.due_at.isoformat()})
    if assignee is not None:
        _send_assigned_email(follow_up, assignee)
    return follow_up


def open_missing(*, org_id: int | None = None) -> int:
    """Open follow-ups for detractor answers without one (one organization or all); how many were opened."""
    stmt = (sa.select(SurveyResponse)
            .outerjoin(FollowUp, FollowUp.response_id == SurveyResponse.id)
            .where(SurveyResponse.group == "detractor", FollowUp.id.is_(None))
            .order_by(SurveyResponse.id))
    if org_id is not None:
        stmt = stmt.where(SurveyResponse.org_id == org_id)
    opened = 0
    for response in db.session.scalars(stmt).all():
        if open_for_response(response=response) is not None:
            opened += 1
    db.session.flush()
    return opened


def follow_up_query(*, org: Organization, status: str = "", assignee: str = "", survey_id: int | None = None,
                    overdue: bool = False, viewer: Membership | None = None, now: datetime | None = None) -> sa.Select:
    """Follow-ups of `org`: unresolved first by due date, then resolved ones newest first.

    `assignee` is a membership id (as text, from the filter form) or "none" for unassigned ones;
    a `viewer` below manager only sees the follow-ups assigned to them.
    """
    now = now or utcnow()
    # An answer changed within the survey's change window may no longer be a detractor's: not listed then.
    # What the list shows of each row (answer, its survey and respondent, the assignee's name) comes with it:
    # the same number of statements for a page of 10 or of 50.
    stmt = (sa.select(FollowUp).join(SurveyResponse, FollowUp.response_id == SurveyResponse.id)
            .where(FollowUp.org_id == org.id, SurveyResponse.group == "detractor")
            .options(contains_eager(FollowUp.response).options(joinedload(SurveyResponse.survey),
                                                               joinedload(SurveyResponse.respondent)),
                     joinedload(FollowUp.assignee).joinedload(Membership.user)))
    if viewer is not None and not viewer.has_role(Role.MANAGER):
        stmt = stmt.where(FollowUp.assignee_membership_id == viewer.id)
    if status in FOLLOW_UP_STATUSES:
        stmt = stmt.where(FollowUp.status == status)
    if assignee == "none":
        stmt = stmt.where(FollowUp.assignee_membership_id.is_(None))
    elif assignee.isdigit():
        stmt = stmt.where(FollowUp.assignee_membership_id == int(assignee))
    if survey_id:
        stmt = stmt.where(SurveyResponse.survey_id == survey_id)
    if overdue:
        stmt = stmt.where(FollowUp.status != FollowUpStatus.RESOLVED, FollowUp.due_at < now)
    resolved_last = sa.case((FollowUp.status == FollowUpStatus.RESOLVED, 1), else_=0)
    return stmt.order_by(resolved_last, FollowUp.due_at, FollowUp.id)


def status_counts(*, org: Organization, survey_id: int, now: datetime | None = None) -> dict[str, int]:
    """A survey's follow-ups per status, plus "overdue" (unresolved past the due date)."""
    late = sa.case((sa.and_(FollowUp.status != FollowUpStatus.RESOLVED, FollowUp.due_at < (now or utcnow())), 1),
                   else_=0)
    rows = db.session.execute(sa.select(FollowUp.status, sa.func.count(), sa.func.coalesce(sa.func.sum(late), 0))
                              .join(SurveyResponse, FollowUp.response_id == SurveyResponse.id)
                              .where(FollowUp.org_id == org.id, SurveyResponse.group == "detractor",
                                     SurveyResponse.survey_id == survey_id)
                              .group_by(FollowUp.status))
    counts = dict.fromkeys(FOLLOW_UP_STATUSES, 0) | {"overdue": 0}
    for status, n, overdue in rows:
        counts[status] = int(n)
        counts["overdue"] += int(overdue)
    return counts


def count_overdue(*, org: Organization, now: datetime | None = None) -> int:
    return db.session.scalar(sa.select(sa.func.count(FollowUp.id))
                             .join(SurveyResponse, FollowUp.response_id == SurveyResponse.id)
                             .where(FollowUp.org_id == org.id, SurveyResponse.group == "detractor",
                                    FollowUp.status != FollowUpStatus.RESOLVED,
                                    FollowUp.due_at < (now or utcnow()))) or 0


def may_work_on(actor: Membership, follow_up: FollowUp) -> bool:
    """Managers and admins work on every follow-up of their organization, curators on those assigned to them."""
    if actor.org_id != follow_up.org_id:
        return False
    return actor.has_role(Role.MANAGER) or (
        actor.has_role(Role.CURATOR) and follow_up.assignee_membership_id == actor.id)


def check_may_work_on(actor: Membership, follow_up: FollowUp, *, manager: bool = False) -> None:
    if not may_work_on(actor, follow_up) or (manager and not actor.has_role(Role.MANAGER)):
        raise FollowUpError(_l("You may not change this follow-up."))


def end_of_day(day: date, timezone: str) -> datetime:
    """23:59 of `day` in the organization's zone, as the naive UTC the database keeps."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = datetime.combine(day, time(23, 59), tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None)


def add_note(*, actor: Membership, follow_up: FollowUp, text: str) -> FollowUpNote:
    check_may_work_on(actor, follow_up)
    text = (text or "").strip()
    if not text:
        raise FollowUpError(_l("Write a note first."))
    if len(text) > NOTE_MAX:
        raise FollowUpError(lazy_ngettext("Keep the note under %(num)d character.",
                                          "Keep the note under %(num)d characters.", NOTE_MAX))
    note = FollowUpNote(follow_up=follow_up, author_membership_id=actor.id, text=text)
    db.session.add(note)
    db.session.flush()
    return note


def update(*, actor: Membership, follow_up: FollowUp, status: str, due_at: datetime) -> FollowUp:
    """Change the status (resolving stamps resolved_at, reopening clears it) and the due date."""
    check_may_work_on(actor, follow_up)
    if status not in FOLLOW_UP_STATUSES:
        raise FollowUpError(_l("Unknown status."))
    if status == FollowUpStatus.RESOLVED and follow_up.status != FollowUpStatus.RESOLVED:
        follow_up.resolved_at = utcnow()
    elif status != FollowUpStatus.RESOLVED:
        follow_up.resolved_at = None
    follow_up.status, follow_up.due_at = status, due_at
    db.session.flush()
    return follow_up


def assign(*, actor: Membership, follow_up: FollowUp, assignee_id: int | None) -> FollowUp:
    """Give the follow-up to a staff member (None: nobody); a new assignee other than `actor` gets an email."""
    check_may_work_on(actor, follow_up, manager=True)
    assignee = None
    if assignee_id is not None:
        assignee = next((m for m in staff_members(org_id=follow_up.org_id) if m.id == assignee_id), None)
        if assignee is None:
            raise FollowUpError(_l("Choose a curator, manager or administrator of this organization."))
    changed = follow_up.assignee_membership_id != (assignee.id if assignee else None)
    follow_up.assignee_membership_id = assignee.id if assignee else None
    db.session.flush()
    if changed and assignee is not None and assignee.id != actor.id:
        _send_assigned_email(follow_up, assignee)
    return follow_up


def _send_assigned_email(follow_up: FollowUp, assignee: Membership) -> None:
    org = assignee.organization
    send_email(to=assignee.user.email, subject=_l("A detractor to follow up for %(org)s", org=org.name),
               template="follow_up_assigned", org_id=org.id, locale=assignee.user.locale or org.default_locale,
               follow_up=follow_up, response=follow_up.response, org=org, assignee=assignee,
               link=absolute_url("followups.detail", follow_up_id=follow_up.id))


# --- Closing the loop ------------------------------------------------------------------------------

def resurvey_refusal(follow_up: FollowUp):
    """Why the respondent cannot be surveyed again now (None when they can)."""
    from .respondent_privacy import is_erased

    respondent = follow_up.response.respondent
    if follow_up.status != FollowUpStatus.RESOLVED:
        return _l("Resolve the follow-up first.")
    if follow_up.resurvey_invitation_id is not None:
        return _l("A new survey was already sent.")
    if respondent is None or not respondent.email or is_erased(respondent):
        return _l("We have no email address of this respondent.")
    if respondent.unsubscribed_at is not None:
        return _l("This respondent unsubscribed from surveys.")
    if follow_up.response.survey.status != SurveyStatus.OPEN:
        return _l("The survey is not open.")
    return None


# --- Passives (7–8): targeted content ------------------------------------------------------------

SUBJECT_MAX, BODY_MAX, LINK_MAX = 160, 5000, 500


def passives(*, org: Organization, survey_id: int | None = None, limit: int = 500) -> list:
    """(latest answer, respondent) of each passive we may email."""
    from .respondent_privacy import contactable_answers

    return contactable_answers(org=org, group="passive", survey_id=survey_id, limit=limit)


def _check_message(subject: str, body: str, link: str) -> tuple[str, str, str]:
    subject, body, link = (subject or "").strip(), (body or "").strip(), (link or "").strip()
    if not subject or len(subject) > SUBJECT_MAX:
        raise FollowUpError(lazy_ngettext("Give the email a subject (at most %(num)d character).",
                                            "Give the email a subject (at most %(num)d characters).", SUBJECT_MAX))
    if not body and not link:
        raise FollowUpError(_l("Write a message or give a link."))
    if len(body) > BODY_MAX:
        raise FollowUpError(lazy_ngettext("Keep the message under %(num)d character.",
                                            "Keep the message under %(num)d characters.", BODY_MAX))
    if link and (len(link) > LINK_MAX or not link.lower().startswith(("https://", "http://"))):
        raise FollowUpError(_l("The link must be a web address starting with https://."))
    return subject, body, link


def send_to_passives(*, org: Organization, actor: Membership, respondent_ids: list[int], subject: str,
                     body: str = "", link: str = "", survey_id: int | None = None) -> PassiveMessage:
    """Email the chosen passives (only ones `passives()` lists) and log the message with its recipient count."""
    if actor.org_id != org.id or not actor.has_role(Role.MANAGER):
        raise FollowUpError(_l("You may not send this message."))
    require_verified(actor.user, FollowUpError)
    subject, body, link = _check_message(subject, body, link)
    wanted = set(respondent_ids or [])
    recipients = [respondent for _r, respondent in passives(org=org, survey_id=survey_id) if respondent.id in wanted]
    if not recipients:
        raise FollowUpError(_l("Choose at least one person."))
    message = PassiveMessage(org_id=org.id, survey_id=survey_id or None, sent_by_membership_id=actor.id,
                             subject=subject, body=body, link=link, recipient_count=len(recipients))
    db.session.add(message)
    for respondent in recipients:
        send_email(to=respondent.email, subject=subject, template="passive_message", org_id=org.id,
                   locale=respondent.language or org.default_locale, org=org, respondent=respondent,
                   body=body, link=link, unsubscribe_link=_unsubscribe_link(respondent))
    db.session.flush()
    return message


def _unsubscribe_link(respondent) -> str:
    """The survey's own unsubscribe page, through the respondent's latest invitation (if they had one)."""
    token = db.session.scalar(sa.select(SurveyInvitation.token).where(SurveyInvitation.respondent_id == respondent.id)
                              .order_by(SurveyInvitation.id.desc()).limit(1))
    return absolute_url("survey_public.unsubscribe", token=token) if token else ""


def passive_messages(*, org: Organization, limit: int = 20) -> list[PassiveMessage]:
    return list(db.session.scalars(sa.select(PassiveMessage).where(PassiveMessage.org_id == org.id)
                                   .order_by(PassiveMessage.created_at.desc(), PassiveMessage.id.desc()).limit(limit)))
