"""NPS surveys for managers: the list, creating and editing (a survey's "Settings"), its overview (results).

Each survey is one hub with tabs (templates/surveys/_hub.html): Overview, Responses & insights,
Follow-ups, Invitations & reminders, Settings; web/survey_hub.py adds the middle three to this blueprint.
Every page is for managers of the current organization; another organization's survey is a 404.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms.surveys import GROUP_LABELS, LANGUAGE_LABELS, STATUS_LABELS, SurveyForm
from ..infra.urls import absolute_url
from ..models import Role, Survey
from ..services.nps import results as nps_results
from ..services.nps import surveys
from . import charts
from .context import role_required, scoped_or_404
from .service_call import service_call

bp = Blueprint("surveys", __name__)
manager_required = role_required(Role.MANAGER)


@bp.context_processor
def _labels():
    return {"STATUS_LABELS": STATUS_LABELS, "GROUP_LABELS": GROUP_LABELS, "LANGUAGE_LABELS": LANGUAGE_LABELS,
            "LANGUAGES": surveys.LANGUAGES, "GROUPS": surveys.GROUPS, "MAX_ASPECTS": surveys.MAX_ASPECTS,
            "SMALL_SAMPLE": nps_results.SMALL_SAMPLE, "MIN_FOR_MARGIN": nps_results.MIN_FOR_MARGIN}


@bp.route("/surveys")
@manager_required
def index():
    return render_template("surveys/index.html", surveys=surveys.surveys_of(g.org),
                           scores=nps_results.scores_by_survey(org_id=g.org.id),
                           overall=nps_results.summary(org_id=g.org.id))


def _edit(survey: Survey | None):
    form = SurveyForm(obj=survey)
    if not form.is_submitted():
        form.fill(survey, surveys.form_texts(survey))
    if form.validate_on_submit():
        with service_call(form, field="title") as call:
            if survey is None:
                survey = surveys.create_survey(org=g.org, created_by=current_user, data=form.to_data())
            else:
                surveys.update_survey(survey=survey, data=form.to_data())
        if call.ok:
            flash(_("The survey is saved."), "success")
            return redirect(url_for("surveys.results", survey_id=survey.id))
    return render_template("surveys/form.html", form=form, survey=survey)


@bp.route("/surveys/new", methods=["GET", "POST"])
@manager_required
def new():
    return _edit(None)


@bp.route("/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
@manager_required
def edit(survey_id: int):
    return _edit(scoped_or_404(Survey, survey_id))


@bp.route("/surveys/<int:survey_id>")
@manager_required
def results(survey_id: int):
    survey = scoped_or_404(Survey, survey_id)
    public_link = absolute_url("survey_public.page", token=survey.public_token)
    return _results_page(survey, public_link=public_link)


@bp.route("/surveys/results")
@manager_required
def overall():
    return _results_page(None)


def _results_page(survey: Survey | None, **extra):
    report = nps_results.results(org=g.org, survey_id=survey.id if survey else None)
    specs = {"weeks": charts.nps_trend(report.weeks, "d MMM"), "months": charts.nps_trend(report.months, "MMM y")}
    return render_template("surveys/results.html", survey=survey, report=report, specs=specs, **extra)


@bp.route("/surveys/<int:survey_id>/invite")
@manager_required
def invite(survey_id: int):
    """The old address of the invitations page: now the hub's "Invitations & reminders" section."""
    survey = scoped_or_404(Survey, survey_id)
    return redirect(url_for("surveys.invitations_section", survey_id=survey.id), 301)
