"""Promoters become ambassadors: the invitation after a 9–10, bulk invitations, recruitment per survey.

The thank-you page carries a signed, expiring token (itsdangerous) holding the response id:
it proves that the person joining is the one who answered 9 or 10 on a survey that invites
promoters. Joining goes through the join flow's own service (members.join_via_link: external
ambassador, pending when the organization approves new members) and records where the member
came from as Membership.source = "nps:<survey id>".
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ...extensions import db
from ...models import (
    Invitation,
    MemberKind,
    Membership,
    MemberStatus,
    Organization,
    Respondent,
    Role,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    User,
    utcnow,
)
from ..org import accounts, invitations, members
from ..org.email_verification import require_verified
from .respondent_privacy import contactable_answers, is_erased

SOURCE_PREFIX = "nps:"
DEFAULT_TOKEN_TTL_DAYS = 30
# What a join token can turn out to be.
VALID, EXPIRED, INVALID, NOT_PROMOTER, CLOSED = "valid", "expired", "invalid", "not_promoter", "closed"


def source_for(survey_id: int) -> str:
    return f"{SOURCE_PREFIX}{survey_id}"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="promoter-join")


def token_ttl_seconds() -> int:
    return int(current_app.config.get("PROMOTER_JOIN_TTL_DAYS", DEFAULT_TOKEN_TTL_DAYS)) * 86400


def may_invite(response: SurveyResponse) -> bool:
    return response.group == "promoter" and response.score >= 9 and bool(response.survey.invite_promoters)


def make_join_token(response: SurveyResponse) -> str:
    return _serializer().dumps({"r": response.id})


def response_for_token(token: str) -> tuple[SurveyResponse | None, str]:
    """(response, status): VALID only for a promoter's answer on a survey that (still) invites promoters."""
    try:
        data = _serializer().loads(token or "", max_age=token_ttl_seconds())
    except SignatureExpired:
        return None, EXPIRED
    except BadSignature:
        return None, INVALID
    response_id = data.get("r") if isinstance(data, dict) else None
    response = db.session.get(SurveyResponse, response_id) if isinstance(response_id, int) else None
    if response is None:
        return None, INVALID
    if response.group != "promoter" or response.score < 9:
        return response, NOT_PROMOTER
    if not response.survey.invite_promoters:
        return response, CLOSED
    return response, VALID


def known_respondent(response: SurveyResponse) -> Respondent | None:
    """Who answered, when they gave their details (directly or through their invitation) and were not erased."""
    respondent = response.respondent
    if respondent is None and response.invitation_id is not None:
        invitation = db.session.get(SurveyInvitation, response.invitation_id)
        respondent = invitation.respondent if invitation is not None else None
    return respondent if respondent is not None and not is_erased(respondent) else None


def proves_address(response: SurveyResponse, email: str) -> bool:
    """Whether the join token proves that `email` belongs to the person joining: the answer came
    through a survey invitation emailed to that very address (then the account starts verified)."""
    invitation = db.session.get(SurveyInvitation, response.invitation_id) if response.invitation_id else None
    if invitation is None or invitation.sent_at is None or is_erased(invitation.respondent):
        return False
    return accounts.normalize_email(invitation.respondent.email) == accounts.normalize_email(email)


def suggested(response: SurveyResponse) -> dict:
    """What to pre-fill in the join form: the respondent's email and name, when we know them."""
    respondent = known_respondent(response)
    return {"email": respondent.email, "name": respondent.name or None} if respondent else {}


@dataclass
class PromoterTarget(members.JoinTarget):
    """The join flow's target for a promoter: open while the survey invites promoters (not the join link switch)."""

    survey: Survey | None = None

    @property
    def enabled(self) -> bool:
        return self.survey is not None and self.survey.org_id == self.org.id and bool(self.survey.invite_promoters)


def join_as_promoter(*, response: SurveyResponse, user: User) -> Membership:
    """Make `user` an external ambassador of the response's organization, recording the survey as source."""
    if not may_invite(response):
        raise members.MemberError(_l("This invitation to join is not valid."))
    survey = response.survey
    target = PromoterTarget(org=db.session.get_one(Organization, response.org_id), survey=survey)
    membership, created = members.join_via_link(target=target, user=user)
    if created:
        membership.source = source_for(survey.id)
        db.session.flush()
    return membership


# --- Bulk invitations ----------------------------------------------------------------------------

def _member_emails(org: Organization) -> sa.Select:
    """Emails of people who are (or are asking to be) members of `org`."""
    return sa.select(User.email).join(Membership, Membership.user_id == User.id).where(
        Membership.org_id == org.id, Membership.status != MemberStatus.DEACTIVATED)


def promoters_to_invite(*, org: Organization, survey_id: int | None = None, limit: int = 500) -> list[dict]:
    """Promoters we may email who are not members yet: one row per person (their latest 9–10).

    Each row: response, respondent, invited (a pending membership invitation exists).
    """
    not_member = sa.func.lower(Respondent.email).not_in(_member_emails(org))
    pending = set(db.session.scalars(sa.select(Invitation.email).where(
        Invitation.org_id == org.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow())))
    return [{"response": response, "respondent": respondent, "invited": respondent.email.strip().lower() in pending}
            for response, respondent in contactable_answers(org=org, group="promoter", survey_id=survey_id,
                                                            where=(not_member,), limit=limit)]


def invite_promoters(*, org: Organization, actor: Membership, response_ids: list[int]) -> tuple[list, list]:
    """Invite the respondents of these promoter answers as external ambassadors (source nps:<survey id>).

    Returns (invited emails, [(email or "#id", reason)] refused); every invitation stands alone.
    Raises InvitationError when the actor has not verified their own email address.
    """
    require_verified(actor.user, invitations.InvitationError)
    responses = db.session.scalars(sa.select(SurveyResponse).where(
        SurveyResponse.org_id == org.id, SurveyResponse.id.in_(response_ids or [-1]))).all()
    invited, refused = [], []
    for response in responses:
        respondent = response.respondent
        label = respondent.email if respondent else f"#{response.id}"
        if response.group != "promoter" or respondent is None or is_erased(respondent):
            refused.append((label, _l("Not a promoter with an email address.")))
            continue
        if respondent.unsubscribed_at is not None:
            refused.append((label, _l("Unsubscribed.")))
            continue
        try:
            with db.session.begin_nested():
                invitations.create_invitation(org=org, invited_by=actor, email=respondent.email,
                                              name=respondent.name, role=Role.AMBASSADOR, kind=MemberKind.EXTERNAL,
                                              source=source_for(response.survey_id))
        except invitations.InvitationError as exc:
            refused.append((label, str(exc)))
        else:
            invited.append(respondent.email)
    return invited, refused


def recruitment(*, org: Organization) -> list[dict]:
    """Per survey of `org`: promoters answered, members who joined through it (by Membership.source)."""
    joined = dict(db.session.execute(
        sa.select(Membership.source, sa.func.count(Membership.id))
        .where(Membership.org_id == org.id, Membership.source.like(f"{SOURCE_PREFIX}%"))
        .group_by(Membership.source)).tuples().all())
    promoters = dict(db.session.execute(
        sa.select(SurveyResponse.survey_id, sa.func.count(SurveyResponse.id))
        .where(SurveyResponse.org_id == org.id, SurveyResponse.group == "promoter")
        .group_by(SurveyResponse.survey_id)).tuples().all())
    surveys = db.session.scalars(sa.select(Survey).where(Survey.org_id == org.id)
                                 .order_by(Survey.created_at.desc(), Survey.id.desc())).all()
    return [{"survey": s, "promoters": promoters.get(s.id, 0), "joined": joined.get(source_for(s.id), 0)}
            for s in surveys]
