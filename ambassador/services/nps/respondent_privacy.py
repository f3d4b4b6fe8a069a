"""Respondents' personal data on request: export it (one JSON document) and erase it.

Erasing keeps the scores for the statistics but unlinks them from the person:

* the respondent row stays (its invitations count for the response rate) with the email and
  name replaced by an anonymous placeholder and marked unsubscribed, so nobody emails it again;
* their answers keep score, group, segment, store, employee and aspect ratings, but lose the
  comment and the links to the respondent and to the invitation; the invitation tokens are
  replaced, so the links in old emails stop working;
* notes on their follow-ups are deleted (the follow-up's status and dates stay);
* emails to them in the outbox are emptied, and unanswered membership invitations sent to them
  from a survey (source "nps:…") are deleted.
"""
from __future__ import annotations

import sqlalchemy as sa

from ...extensions import db
from ...infra.tokens import new_token
from ...models import (
    FollowUp,
    FollowUpNote,
    Invitation,
    Organization,
    OutboxEmail,
    Respondent,
    SurveyInvitation,
    SurveyResponse,
    utcnow,
)

ERASED_DOMAIN = "erased.invalid"


def is_erased(respondent: Respondent) -> bool:
    return respondent.email.endswith("@" + ERASED_DOMAIN)


def find_respondents(*, org: Organization, q: str, limit: int = 50) -> list[Respondent]:
    """Respondents of `org` whose email or name contains `q` (nothing for an empty search)."""
    q = (q or "").strip().lower()
    if not q:
        return []
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(db.session.scalars(
        sa.select(Respondent)
        .where(Respondent.org_id == org.id, sa.or_(sa.func.lower(Respondent.email).like(pattern, escape="\\"),
                                                   sa.func.lower(Respondent.name).like(pattern, escape="\\")))
        .order_by(Respondent.email).limit(limit)))


def contactable_answers(*, org: Organization, group: str, survey_id: int | None = None, where=(),
                        limit: int = 500) -> list[tuple[SurveyResponse, Respondent]]:
    """(latest answer, respondent) of each respondent in `group` we may email: they gave an address,
    did not unsubscribe and were not erased. `where` adds conditions (on SurveyResponse/Respondent)."""
    stmt = (sa.select(SurveyResponse, Respondent)
            .join(Respondent, SurveyResponse.respondent_id == Respondent.id)
            .where(SurveyResponse.org_id == org.id, SurveyResponse.group == group, Respondent.org_id == org.id,
                   Respondent.unsubscribed_at.is_(None), ~Respondent.email.like(f"%@{ERASED_DOMAIN}"), *where)
            .order_by(SurveyResponse.created_at.desc(), SurveyResponse.id.desc()))
    if survey_id:
        stmt = stmt.where(SurveyResponse.survey_id == survey_id)
    rows, seen = [], set()
    for response, respondent in db.session.execute(stmt.limit(limit * 4)):
        if respondent.id not in seen:
            seen.add(respondent.id)
            rows.append((response, respondent))
    return rows[:limit]


def _invitations(respondent: Respondent) -> list[SurveyInvitation]:
    return list(db.session.scalars(sa.select(SurveyInvitation).where(
        SurveyInvitation.org_id == respondent.org_id, SurveyInvitation.respondent_id == respondent.id)
        .order_by(SurveyInvitation.id)))


def responses_of(respondent: Respondent) -> list[SurveyResponse]:
    """Their answers: linked directly or through one of their invitations."""
    invitation_ids = sa.select(SurveyInvitation.id).where(SurveyInvitation.respondent_id == respondent.id)
    return list(db.session.scalars(sa.select(SurveyResponse).where(
        SurveyResponse.org_id == respondent.org_id,
        sa.or_(SurveyResponse.respondent_id == respondent.id, SurveyResponse.invitation_id.in_(invitation_ids)))
        .order_by(SurveyResponse.created_at, SurveyResponse.id)))


def _follow_ups(responses: list[SurveyResponse]) -> list[FollowUp]:
    if not responses:
        return []
    return list(db.session.scalars(sa.select(FollowUp).where(
        FollowUp.response_id.in_([r.id for r in responses])).order_by(FollowUp.id)))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_respondent(*, respondent: Respondent) -> dict:
    """Everything we hold about one respondent, as plain JSON-ready data (no tokens)."""
    responses = responses_of(respondent)
    return {
        "respondent": {"id": respondent.id, "email": respondent.email, "name": respondent.name,
                       "language": respondent.language, "unsubscribed_at": _iso(respondent.unsubscribed_at),
                       "created_at": _iso(respondent.created_at)},
        "invitations": [{"id": inv.id, "survey": inv.survey.title, "segment": inv.segment, "store": inv.store,
                         "employee": inv.employee, "created_at": _iso(inv.created_at), "sent_at": _iso(inv.sent_at),
                         "answered_at": _iso(inv.answered_at)} for inv in _invitations(respondent)],
        "responses": [{"id": r.id, "survey": r.survey.title, "score": r.score, "group": r.group,
                       "comment": r.comment, "language": r.language, "segment": r.segment, "store": r.store,
                       "employee": r.employee, "created_at": _iso(r.created_at)} for r in responses],
        "follow_ups": [{"id": f.id, "response_id": f.response_id, "status": f.status, "due_at": _iso(f.due_at),
                        "created_at": _iso(f.created_at), "resolved_at": _iso(f.resolved_at),
                        "notes": [{"text": n.text, "created_at": _iso(n.created_at),
                                   "author": n.author.user.display_name if n.author else None} for n in f.notes]}
                       for f in _follow_ups(responses)],
    }


def erase_respondent(*, respondent: Respondent) -> None:
    """Remove the respondent's personal data, keep their scores unlinked (see the module's docstring)."""
    org_id, old_email = respondent.org_id, respondent.email
    responses = responses_of(respondent)
    follow_up_ids = [f.id for f in _follow_ups(responses)]
    if follow_up_ids:
        db.session.execute(sa.delete(FollowUpNote).where(FollowUpNote.follow_up_id.in_(follow_up_ids))
                           .execution_options(synchronize_session=False))
    for response in responses:
        response.comment, response.respondent_id, response.invitation_id = "", None, None
    for invitation in _invitations(respondent):
        invitation.token = new_token()
    if not is_erased(respondent):
        db.session.execute(sa.update(OutboxEmail).where(OutboxEmail.org_id == org_id, OutboxEmail.to == old_email)
                           .values(to=f"erased-{respondent.id}@{ERASED_DOMAIN}", body_text="", body_html=None)
                           .execution_options(synchronize_session=False))
        db.session.execute(sa.delete(Invitation).where(
            Invitation.org_id == org_id, Invitation.email == old_email.lower(), Invitation.accepted_at.is_(None),
            Invitation.source.like("nps:%")).execution_options(synchronize_session=False))
    respondent.email = f"erased-{respondent.id}@{ERASED_DOMAIN}"
    respondent.name = ""
    respondent.unsubscribed_at = respondent.unsubscribed_at or utcnow()
    db.session.flush()
    db.session.expire_all()
