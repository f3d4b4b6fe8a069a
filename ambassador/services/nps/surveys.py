"""NPS surveys: creating and editing them, and recording answers (public page and email link).

Choices, on purpose:

* Wording is stored per language only where it differs from the default below, so a
  survey that keeps the defaults follows any later improvement of them.
* One answer per invitation (``SurveyResponse.invitation_id`` is unique). The score of an
  invitation's answer may be changed by clicking another score in the email within
  ``SCORE_CHANGE_WINDOW`` (30 minutes) of the first answer — people mis-tap on phones;
  after that the first answer stands and the page says so. A second click never creates
  a second response, even when two clicks race (the unique index decides; the loser reads
  the winner's row).
* Public-page answers have no invitation: each click on the page is one answer.
* Only an open survey takes answers (scores and details); draft and closed ones refuse.
* An ambassador who answers while logged in earns ``points_survey`` once per survey.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from ...errors import ServiceError
from ...extensions import db
from ...infra.tokens import new_token
from ...models import (
    AspectScore,
    Membership,
    MemberStatus,
    Organization,
    Survey,
    SurveyAspect,
    SurveyInvitation,
    SurveyResponse,
    SurveyStatus,
    User,
    nps_group,
    utcnow,
)
from ...models.nps import SURVEY_STATUSES
from ..community import points
from ..hooks import endpoints as hooks

LANGUAGES = ("en", "nl", "fr")
GROUPS = ("promoter", "passive", "detractor")
MAX_ASPECTS = 5
SCORE_CHANGE_WINDOW = timedelta(minutes=30)
FIELD_LIMITS = {"segment": 80, "store": 80, "employee": 120}
MAX_COMMENT = 4000

DEFAULT_QUESTION = {
    "en": "How likely are you to recommend us to a friend or colleague?",
    "nl": "Hoe waarschijnlijk is het dat je ons zou aanbevelen aan een vriend of collega?",
    "fr": "Quelle est la probabilité que vous nous recommandiez à un ami ou à un collègue ?",
}
DEFAULT_FOLLOW_UP = {
    "en": "What is the main reason for your score?",
    "nl": "Wat is de belangrijkste reden voor je score?",
    "fr": "Quelle est la principale raison de votre note ?",
}
DEFAULT_THANK_YOU = {
    "promoter": _l("Thank you! We are delighted you would recommend us."),
    "passive": _l("Thank you for your answer. It helps us do better."),
    "detractor": _l("Thank you for being honest. We are sorry we fell short, and we read every answer."),
}


class SurveyError(ServiceError):
    """Something a person asked for that cannot be done; the message is for them."""

    code = "survey"


class SurveyClosed(SurveyError):
    """The survey does not take answers (draft or closed)."""

    code = "survey_closed"
    status = 409


@dataclass
class SurveyData:
    """What a manager enters for a survey (per-language texts as {lang: text})."""

    title: str
    status: str = SurveyStatus.DRAFT
    question: dict | None = None
    follow_up_question: dict | None = None
    thank_you: dict | None = None  # {group: {lang: text}}
    invite_promoters: bool = True
    aspects: list[dict] | None = None  # up to MAX_ASPECTS label dicts; an all-empty one means "none here"


def _clean_texts(texts: dict | None, defaults: dict | None = None) -> dict:
    """Keep non-empty texts in known languages that differ from the default wording."""
    cleaned = {}
    for lang in LANGUAGES:
        value = " ".join(((texts or {}).get(lang) or "").split())
        if value and value != (defaults or {}).get(lang):
            cleaned[lang] = value
    return cleaned


def _apply(survey: Survey, data: SurveyData) -> None:
    title = " ".join((data.title or "").split())
    if not title:
        raise SurveyError(_l("Give the survey a title."))
    if data.status not in SURVEY_STATUSES:
        raise SurveyError(_l("Unknown status."))
    survey.title = title[:160]
    survey.status = data.status
    survey.question = _clean_texts(data.question, DEFAULT_QUESTION)
    survey.follow_up_question = _clean_texts(data.follow_up_question, DEFAULT_FOLLOW_UP)
    survey.thank_you = {group: texts for group in GROUPS
                        if (texts := _clean_texts((data.thank_you or {}).get(group)))}
    survey.invite_promoters = bool(data.invite_promoters)
    _apply_aspects(survey, data.aspects or [])


def _apply_aspects(survey: Survey, labels: list[dict]) -> None:
    """Slot i is the aspect at position i; emptying a slot removes that aspect (and its ratings)."""
    if len(labels) > MAX_ASPECTS:
        raise SurveyError(lazy_ngettext("At most %(num)d extra question.", "At most %(num)d extra questions.",
                                        MAX_ASPECTS))
    existing = {aspect.position: aspect for aspect in survey.aspects}
    for position, label in enumerate(labels):
        cleaned = _clean_texts(label)
        aspect = existing.get(position)
        if cleaned and aspect is None:
            survey.aspects.append(SurveyAspect(position=position, label=cleaned))
        elif cleaned and aspect is not None:
            aspect.label = cleaned
        elif aspect is not None:
            survey.aspects.remove(aspect)


def create_survey(*, org: Organization, created_by: User | None, data: SurveyData) -> Survey:
    survey = Survey(org_id=org.id, public_token=new_token(), created_by_id=created_by.id if created_by else None,
                    question={}, follow_up_question={}, thank_you={}, aspects=[])
    _apply(survey, data)
    db.session.add(survey)
    db.session.flush()
    return survey


def update_survey(*, survey: Survey, data: SurveyData) -> Survey:
    _apply(survey, data)
    db.session.flush()
    return survey


def surveys_of(org: Organization) -> list[Survey]:
    return list(db.session.scalars(sa.select(Survey).where(Survey.org_id == org.id)
                                   .order_by(Survey.created_at.desc(), Survey.id.desc())))


# --- Wording -----------------------------------------------------------------------------

def question_text(survey: Survey, lang: str) -> str:
    return (survey.question or {}).get(lang) or DEFAULT_QUESTION.get(lang) or DEFAULT_QUESTION["en"]


def follow_up_text(survey: Survey, lang: str) -> str:
    return (survey.follow_up_question or {}).get(lang) or DEFAULT_FOLLOW_UP.get(lang) or DEFAULT_FOLLOW_UP["en"]


def aspect_label(aspect: SurveyAspect, lang: str) -> str:
    labels = aspect.label or {}
    return labels.get(lang) or labels.get("en") or next(iter(labels.values()), "")


def thank_you_text(survey: Survey, group: str, lang: str) -> str:
    """The manager's message for this group and language, else the default (call under force_locale)."""
    return ((survey.thank_you or {}).get(group) or {}).get(lang) or str(DEFAULT_THANK_YOU[group])


def form_texts(survey: Survey | None) -> dict:
    """Every text of the edit form with the defaults filled in (for a new survey or empty fields)."""
    return {"question": {lang: question_text(survey, lang) if survey else DEFAULT_QUESTION[lang]
                         for lang in LANGUAGES},
            "follow_up": {lang: follow_up_text(survey, lang) if survey else DEFAULT_FOLLOW_UP[lang]
                          for lang in LANGUAGES}}


def choose_language(*candidates: str | None) -> str:
    """The first candidate that is a survey language ("en" when none is)."""
    return next((c for c in candidates if c in LANGUAGES), "en")


def clean_context(values: dict) -> dict:
    """segment/store/employee from a link: trimmed; a value longer than its column is dropped."""
    cleaned = {}
    for key, limit in FIELD_LIMITS.items():
        value = " ".join((values.get(key) or "").split())
        cleaned[key] = value if len(value) <= limit else ""
    return cleaned


# --- Answers -----------------------------------------------------------------------------

def find_by_public_token(token: str) -> Survey | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(Survey).where(Survey.public_token == token))


def find_invitation(token: str) -> SurveyInvitation | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(SurveyInvitation).where(SurveyInvitation.token == token))


def _check_open(survey: Survey) -> None:
    if survey.status != SurveyStatus.OPEN:
        raise SurveyClosed(_l("This survey is not taking answers."))


def _check_score(score) -> int:
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 10:
        raise SurveyError(_l("Choose a score from 0 to 10."))
    return score


def _after_score(survey: Survey, membership: Membership | None, response: SurveyResponse) -> None:
    """What a new score sets off: a detractor's follow-up is opened, an ambassador earns points."""
    from . import followups

    followups.open_for_response(response=response)
    _reward(survey, membership, response)
    hooks.emit(survey.org_id, "survey.answered", {
        "response_id": response.id, "survey_id": survey.id, "score": response.score, "group": response.group,
        "member_id": response.membership_id, "language": response.language})


def _reward(survey: Survey, membership: Membership | None, response: SurveyResponse) -> None:
    if membership is None or membership.org_id != survey.org_id or membership.status != MemberStatus.ACTIVE:
        return
    response.membership_id = membership.id
    org = db.session.get_one(Organization, survey.org_id)
    points.award_for(org=org, membership_id=membership.id, reason="survey", points=org.points_survey,
                     cap=org.daily_community_points_cap, ref=f"survey:{survey.id}")


def record_public_answer(*, survey: Survey, score: int, language: str, context: dict | None = None,
                         membership: Membership | None = None) -> SurveyResponse:
    """One answer from the public page (each click on the page is one answer)."""
    _check_open(survey)
    score = _check_score(score)
    response = SurveyResponse(org_id=survey.org_id, survey_id=survey.id, score=score, group=nps_group(score),
                              language=choose_language(language), **clean_context(context or {}))
    db.session.add(response)
    db.session.flush()
    _after_score(survey, membership, response)
    db.session.flush()
    return response


@dataclass(frozen=True)
class InvitationAnswer:
    response: SurveyResponse
    outcome: str  # "recorded" | "changed" | "same" | "kept" (a later click after the change window)


def record_invitation_answer(*, invitation: SurveyInvitation, score: int, membership: Membership | None = None,
                             now: datetime | None = None) -> InvitationAnswer:
    """The one answer of an invitation: created on the first click, never duplicated (see module doc)."""
    survey = invitation.survey
    _check_open(survey)
    score = _check_score(score)
    now = now or utcnow()
    existing = response_of(invitation)
    if existing is None:
        savepoint = db.session.begin_nested()
        try:
            response = SurveyResponse(
                org_id=invitation.org_id, survey_id=survey.id, invitation_id=invitation.id,
                respondent_id=invitation.respondent_id, score=score, group=nps_group(score),
                language=choose_language(invitation.respondent.language), segment=invitation.segment,
                store=invitation.store, employee=invitation.employee, created_at=now)
            db.session.add(response)
            db.session.flush()
        except sa.exc.IntegrityError:  # a simultaneous click won the race
            savepoint.rollback()
            existing = response_of(invitation)
        else:
            savepoint.commit()
            invitation.answered_at = now
            _after_score(survey, membership, response)
            db.session.flush()
            return InvitationAnswer(response, "recorded")
    assert existing is not None  # the simultaneous click's answer, committed before our insert failed
    if existing.score == score:
        return InvitationAnswer(existing, "same")
    if now - existing.created_at > SCORE_CHANGE_WINDOW:
        return InvitationAnswer(existing, "kept")
    existing.score, existing.group = score, nps_group(score)
    db.session.flush()
    _after_score(survey, membership, existing)
    return InvitationAnswer(existing, "changed")


def response_of(invitation: SurveyInvitation) -> SurveyResponse | None:
    return db.session.scalar(sa.select(SurveyResponse).where(SurveyResponse.invitation_id == invitation.id))


def save_details(*, response: SurveyResponse, comment: str, aspect_scores: dict[int, int | None]) -> SurveyResponse:
    """The open answer and the aspect ratings (0–10, or None to leave one out) of an answer."""
    survey = response.survey
    _check_open(survey)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise SurveyError(lazy_ngettext("Keep your answer under %(num)d character.",
                                        "Keep your answer under %(num)d characters.", MAX_COMMENT))
    aspect_ids = {aspect.id for aspect in survey.aspects}
    if set(aspect_scores) - aspect_ids:
        raise SurveyError(_l("Unknown question."))
    for value in aspect_scores.values():
        if value is not None:
            _check_score(value)
    response.comment = comment
    current = {score.aspect_id: score for score in response.aspect_scores}
    for aspect_id, value in aspect_scores.items():
        row = current.get(aspect_id)
        if value is None and row is not None:
            response.aspect_scores.remove(row)
        elif value is not None and row is None:
            response.aspect_scores.append(AspectScore(aspect_id=aspect_id, score=value))
        elif value is not None and row is not None:
            row.score = value
    db.session.flush()
    from . import text

    text.tag_response(response)  # themes from the comment, right away
    return response
