"""Email invitations to a survey from an uploaded customer list, and unsubscribing.

The file has a header row with ``email`` (required), ``name``, ``language``, ``segment``,
``store`` and ``employee`` (any order, any case, a few nl/fr synonyms), separated by commas
or semicolons, UTF-8 with or without a byte-order mark. Every row runs in its own savepoint:
a rejected row leaves nothing behind (no respondent, no invitation, no email) and never stops
the good rows. A row is rejected for: a bad email address, a language other than en/nl/fr
(empty → the organization's language), an address earlier in the file or already invited to
this survey, an unsubscribed address, or a value longer than its column.

Respondents are kept per organization and reused by email; a name or language given in the
file updates them. Each accepted row gets a SurveyInvitation and an email in the respondent's
language with the eleven score links in it (one click answers) and an unsubscribe link.
Unsubscribed respondents are never emailed again.

`resurvey` invites a resolved detractor of a follow-up (services/nps/followups.py) to answer again.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import force_locale, lazy_ngettext
from flask_babel import lazy_gettext as _l

from ...errors import ServiceError
from ...extensions import db
from ...infra.email import send_email
from ...infra.tokens import new_token
from ...infra.urls import absolute_url
from ...models import (
    FollowUp,
    Membership,
    Organization,
    Respondent,
    Survey,
    SurveyInvitation,
    SurveyStatus,
    utcnow,
)
from ..org import imports
from ..org.accounts import is_valid_email, normalize_email
from ..org.email_verification import require_verified
from ..org.imports import CsvFileError  # noqa: F401  (re-exported: views catch it from here)
from . import followups, surveys

MAX_ROWS = 2000
HEADER_ALIASES = {
    "email": "email", "e-mail": "email", "mail": "email", "email address": "email", "adresse e-mail": "email",
    "name": "name", "naam": "name", "nom": "name", "full name": "name",
    "language": "language", "lang": "language", "locale": "language", "taal": "language", "langue": "language",
    "segment": "segment",
    "store": "store", "shop": "store", "winkel": "store", "magasin": "store",
    "employee": "employee", "medewerker": "employee", "employé": "employee", "employe": "employee",
}
LIMITS = {"name": 120, **surveys.FIELD_LIMITS}


@dataclass
class RowResult:
    line: int
    email: str
    accepted: bool = False
    message: str = ""


@dataclass
class SendReport:
    rows: list[RowResult] = field(default_factory=list)

    @property
    def accepted(self) -> list[RowResult]:
        return [row for row in self.rows if row.accepted]

    @property
    def rejected(self) -> list[RowResult]:
        return [row for row in self.rows if not row.accepted]


class RowError(ServiceError):
    """One row of an invitation file is refused (the others go on); the message goes in the report."""

    code = "survey_invitation_row"


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) per non-empty data row of a customer list, or CsvFileError."""
    return imports.read_rows(data, aliases=HEADER_ALIASES, max_rows=MAX_ROWS)


def _check_row(org: Organization, row: dict) -> tuple[str, str]:
    """(email, language) of a usable row, or RowError."""
    email = normalize_email(row.get("email", ""))
    if not email or len(email) > 254 or not is_valid_email(email):
        raise RowError(_l("Not a valid email address."))
    language = (row.get("language") or "").lower() or org.default_locale
    if language not in surveys.LANGUAGES:
        raise RowError(_l("Unknown language “%(lang)s”: use en, nl or fr.", lang=row.get("language")))
    for column, limit in LIMITS.items():
        if len(row.get(column) or "") > limit:
            raise RowError(lazy_ngettext("The %(column)s is longer than %(num)d character.",
                                         "The %(column)s is longer than %(num)d characters.", limit, column=column))
    return email, language


def _respondent(org: Organization, email: str, name: str, language: str, language_given: bool) -> Respondent:
    respondent = db.session.scalar(sa.select(Respondent).where(Respondent.org_id == org.id,
                                                               Respondent.email == email))
    if respondent is None:
        respondent = Respondent(org_id=org.id, email=email, name=name, language=language)
        db.session.add(respondent)
    else:
        if respondent.unsubscribed_at is not None:
            raise RowError(_l("Unsubscribed: this person asked not to receive surveys."))
        respondent.name = name or respondent.name
        if language_given:
            respondent.language = language
    db.session.flush()
    return respondent


def _already_invited(survey: Survey, respondent: Respondent) -> bool:
    return db.session.scalar(sa.select(SurveyInvitation.id).where(
        SurveyInvitation.survey_id == survey.id, SurveyInvitation.respondent_id == respondent.id).limit(1)) is not None


def invite_from_csv(*, org: Organization, actor: Membership, survey: Survey, data: bytes) -> SendReport:
    """Invite and email every acceptable row; the report says what happened to each row."""
    if survey.org_id != org.id or actor.org_id != org.id:
        raise surveys.SurveyError(_l("Unknown survey."))
    require_verified(actor.user, surveys.SurveyError)
    if survey.status != SurveyStatus.OPEN:
        raise surveys.SurveyError(_l("Open the survey before sending invitations."))
    report, seen = SendReport(), set()
    for line, row in read_rows(data):
        result = RowResult(line=line, email=normalize_email(row.get("email", "")) or row.get("email", ""))
        report.rows.append(result)
        savepoint = db.session.begin_nested()
        try:
            email, language = _check_row(org, row)
            if email in seen:
                raise RowError(_l("Duplicate: this address appears earlier in the file."))
            seen.add(email)
            respondent = _respondent(org, email, " ".join(row.get("name", "").split()), language,
                                     bool(row.get("language")))
            if _already_invited(survey, respondent):
                raise RowError(_l("Duplicate: already invited to this survey."))
            invitation = SurveyInvitation(org_id=org.id, survey_id=survey.id, respondent_id=respondent.id,
                                          token=new_token(), segment=row.get("segment", ""),
                                          store=row.get("store", ""), employee=row.get("employee", ""))
            db.session.add(invitation)
            db.session.flush()
            send_invitation(invitation=invitation)
        except RowError as exc:
            savepoint.rollback()
            result.message = str(exc)
        else:
            savepoint.commit()
            result.accepted, result.message = True, str(_l("Invitation sent."))
    return report


def score_links(invitation: SurveyInvitation) -> list[tuple[int, str]]:
    return [(score, absolute_url("survey_public.one_click", token=invitation.token, score=score))
            for score in range(11)]


def send_invitation(*, invitation: SurveyInvitation, reminder: bool = False) -> bool:
    """Email one invitation (or its reminder: the same one-click links, a reminder's subject and first line)
    in the respondent's language; never to someone who unsubscribed. A reminder leaves `sent_at` as it was."""
    respondent, survey = invitation.respondent, invitation.survey
    if respondent.unsubscribed_at is not None:
        return False
    org = db.session.get_one(Organization, invitation.org_id)
    lang = surveys.choose_language(respondent.language, org.default_locale)
    with force_locale(lang):
        subject = str(_l("Reminder: %(org)s would like your opinion", org=org.name) if reminder
                      else _l("%(org)s would like your opinion", org=org.name))
    send_email(to=respondent.email, subject=subject, template="survey_invitation", org_id=org.id, locale=lang,
               org=org, survey=survey, respondent=respondent, question=surveys.question_text(survey, lang),
               links=score_links(invitation), reminder=reminder,
               page_link=absolute_url("survey_public.invitation", token=invitation.token),
               unsubscribe_link=absolute_url("survey_public.unsubscribe", token=invitation.token))
    if not reminder:
        invitation.sent_at = utcnow()
    db.session.flush()
    return True


def unsubscribe(*, invitation: SurveyInvitation) -> Respondent:
    """The respondent of this invitation gets no more survey emails (from this organization)."""
    respondent = invitation.respondent
    if respondent.unsubscribed_at is None:
        respondent.unsubscribed_at = utcnow()
        db.session.flush()
    return respondent


def resurvey(*, actor: Membership, follow_up: FollowUp) -> SurveyInvitation:
    """Invite the (resolved) detractor to answer the same survey again and email the invitation."""
    followups.check_may_work_on(actor, follow_up)
    require_verified(actor.user, followups.FollowUpError)
    refusal = followups.resurvey_refusal(follow_up)
    if refusal is not None:
        raise followups.FollowUpError(refusal)
    old = follow_up.response
    invitation = SurveyInvitation(org_id=old.org_id, survey_id=old.survey_id, respondent_id=old.respondent_id,
                                  token=new_token(), segment=old.segment, store=old.store, employee=old.employee)
    db.session.add(invitation)
    db.session.flush()
    send_invitation(invitation=invitation)
    follow_up.resurvey_invitation_id, follow_up.resurveyed_at = invitation.id, utcnow()
    db.session.flush()
    return invitation
