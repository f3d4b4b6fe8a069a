"""Answering a survey, no login needed: the public page, the one-click email links, unsubscribing.

Embedding: the answering pages may be framed by any site (``frame-ancestors *``, no
X-Frame-Options); the rest of the CSP stays. In a frame on another site browsers do not
send our SameSite=Lax session cookie, so the answer forms cannot use the session-bound
CSRF token: they carry a signed, expiring token of their own instead (``form_token``), and
the answer to add details to is named by a signed, expiring key in the URL, not by the
session. The session cookie being SameSite=Lax, a cross-site POST never carries a member's
session either. Unsubscribing is a top-level page and uses the normal CSRF check.

Language: ?lang=, else the respondent's (email invitations), else the browser's, else the
organization's. Email links: see services/nps/surveys.py (one answer per invitation; the score
can change within 30 minutes). Link checkers and preview fetchers that open every link of an
email record nothing: they get the page with the score buttons.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..extensions import csrf, db
from ..forms.surveys import ConfirmForm, parse_details
from ..infra import bots
from ..models import Organization, SurveyResponse, SurveyStatus
from ..services.nps import invitations, surveys
from ..services.org import members
from .security import content_security_policy
from .service_call import service_call
from .throttling import throttled

bp = Blueprint("survey_public", __name__)
KEY_MAX_AGE = 24 * 3600  # details can be added to an answer for a day
EMBEDDABLE = {"survey_public.page", "survey_public.invitation", "survey_public.one_click",
              "survey_public.details", "survey_public.thanks"}


@bp.after_app_request
def _allow_framing(response):
    """Runs after the app's security headers (registered before them, so called after)."""
    if request.endpoint in EMBEDDABLE:
        response.headers["Content-Security-Policy"] = content_security_policy().replace(
            "frame-ancestors 'none'", "frame-ancestors *")
        response.headers.pop("X-Frame-Options", None)
    return response


def _signer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt)


def form_token(scope: str) -> str:
    return _signer("survey-form").dumps(scope)


def _check_form_token(scope: str) -> None:
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    try:
        ok = _signer("survey-form").loads(request.form.get("csrf_token", ""), max_age=KEY_MAX_AGE) == scope
    except BadSignature:
        ok = False
    if not ok:
        abort(400)


def response_key(response: SurveyResponse) -> str:
    return _signer("survey-response").dumps(response.id)


def _response_for(key: str) -> SurveyResponse:
    try:
        response_id = _signer("survey-response").loads(key, max_age=KEY_MAX_AGE)
    except BadSignature:
        abort(404)
    return db.get_or_404(SurveyResponse, response_id)


def _member_for(survey):
    if not current_user.is_authenticated:
        return None
    return members.membership_of(org=db.session.get(Organization, survey.org_id), user=current_user)


def _language(survey, *preferred) -> str:
    org = db.session.get(Organization, survey.org_id)
    return surveys.choose_language(request.args.get("lang"), *preferred,
                                   request.accept_languages.best_match(surveys.LANGUAGES), org.default_locale)


def _render(template: str, survey, lang: str, status: int = 200, **context):
    org = db.session.get(Organization, survey.org_id)
    with force_locale(lang):
        html = render_template(template, survey=survey, survey_org=org, lang=lang, S=surveys,
                               form_token=form_token, **context)
    return html, status


def _closed(survey, lang: str):
    return _render("survey_public/closed.html", survey, lang,
                   status=404 if survey.status == SurveyStatus.DRAFT else 410)


@bp.route("/survey/<token>", methods=["GET", "POST"])
@csrf.exempt
@throttled("survey_answer")
def page(token: str):
    survey = surveys.find_by_public_token(token) or abort(404)
    lang = _language(survey)
    if survey.status != SurveyStatus.OPEN:
        return _closed(survey, lang)
    context = surveys.clean_context(request.args)
    if request.method == "POST":
        _check_form_token(f"survey:{survey.id}")
        with service_call(show=False) as call:  # the survey page shows the message in its own place
            response = surveys.record_public_answer(survey=survey, score=request.form.get("score", type=int),
                                                    language=lang, context=context, membership=_member_for(survey))
        if not call.ok:
            return _render("survey_public/page.html", survey, lang, 400, error=str(call.error), context=context)
        return redirect(url_for(".details", key=response_key(response)))
    return _render("survey_public/page.html", survey, lang, context=context)


def _invitation_or_404(token: str):
    return surveys.find_invitation(token) or abort(404)


def _answer_invitation(invitation, score):
    """Record an invitation's score and show the follow-up page (or say why not)."""
    survey = invitation.survey
    lang = _language(survey, invitation.respondent.language)
    if survey.status != SurveyStatus.OPEN:
        return _closed(survey, lang)
    with service_call(show=False) as call:
        answer = surveys.record_invitation_answer(invitation=invitation, score=score, membership=_member_for(survey))
    if not call.ok:
        return _render("survey_public/page.html", survey, lang, 400, invitation=invitation, error=str(call.error))
    return _render("survey_public/details.html", survey, answer.response.language, response=answer.response,
                   key=response_key(answer.response), outcome=answer.outcome, invitation=invitation)


@bp.route("/survey/i/<token>", methods=["GET", "POST"])
@csrf.exempt
@throttled("survey_answer")
def invitation(token: str):
    invitation = _invitation_or_404(token)
    survey = invitation.survey
    if request.method == "POST":
        _check_form_token(f"invitation:{invitation.id}")
        return _answer_invitation(invitation, request.form.get("score", type=int))
    lang = _language(survey, invitation.respondent.language)
    if survey.status != SurveyStatus.OPEN:
        return _closed(survey, lang)
    response = surveys.response_of(invitation)
    if response is not None:
        return _render("survey_public/details.html", survey, response.language, response=response,
                       key=response_key(response), outcome="same", invitation=invitation)
    return _render("survey_public/page.html", survey, lang, invitation=invitation)


@bp.route("/survey/i/<token>/<int:score>")
def one_click(token: str, score: int):
    invitation = _invitation_or_404(token)
    if request.method == "HEAD" or bots.is_bot(request.user_agent.string):
        survey = invitation.survey
        return _render("survey_public/page.html", survey, _language(survey, invitation.respondent.language),
                       invitation=invitation, chosen=score)
    return _answer_invitation(invitation, score)


@bp.route("/survey/r/<key>", methods=["GET", "POST"])
@csrf.exempt
@throttled("survey_answer")
def details(key: str):
    response = _response_for(key)
    survey, lang = response.survey, response.language
    if survey.status != SurveyStatus.OPEN:
        return _closed(survey, lang)
    errors = {}
    if request.method == "POST":
        _check_form_token(f"response:{response.id}")
        comment, scores, errors = parse_details(request.form, survey.aspects)
        if not errors:
            with service_call(show=False) as call:
                surveys.save_details(response=response, comment=comment, aspect_scores=scores)
            if call.ok:
                return redirect(url_for(".thanks", key=key))
            errors = {"comment": str(call.error)}
    return _render("survey_public/details.html", survey, lang, 400 if errors else 200, response=response, key=key,
                   errors=errors, form=request.form, invitation=None)


@bp.route("/survey/r/<key>/thanks")
def thanks(key: str):
    response = _response_for(key)
    return _render("survey_public/thanks.html", response.survey, response.language, response=response)


@bp.route("/survey/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    invitation = _invitation_or_404(token)
    form = ConfirmForm()
    lang = _language(invitation.survey, invitation.respondent.language)
    if form.validate_on_submit():
        with service_call():
            invitations.unsubscribe(invitation=invitation)
    return _render("survey_public/unsubscribe.html", invitation.survey, lang, form=form,
                   respondent=invitation.respondent)
