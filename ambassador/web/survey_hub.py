"""One survey's hub, the sections after its overview: responses & insights, follow-ups, invitations & reminders.

The routes belong to surveys.bp (importing this module adds them, like content_analytics does for
content.bp): every section of a survey is a `surveys.*` page under /surveys/<id>/…, with the same tabs
(templates/surveys/_hub.html). The overview is surveys.results and the settings surveys.edit.
The pages that serve every survey (themes, passives, promoters, respondents' data) stay where they are
and are linked from here, filtered to the survey where they can be.
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from ..extensions import db
from ..forms.followups import template_labels as followup_labels
from ..forms.nps_insights import GROUP_LABELS as INSIGHT_GROUP_LABELS
from ..forms.nps_insights import GROUP_SHORT
from ..forms.surveys import InviteUploadForm, ReminderForm
from ..models import Survey, Theme, utcnow
from ..services.nps import drivers as nps_drivers
from ..services.nps import followups, invitations, promoters, reminders, text
from ..services.nps import results as nps_results
from ..services.nps import themes as nps_themes
from .context import scoped_or_404
from .nps_insights import retag_now
from .service_call import service_call
from .surveys import bp, manager_required

PER_PAGE = 25


@bp.route("/surveys/<int:survey_id>/responses")
@manager_required
def responses(survey_id: int):
    survey = scoped_or_404(Survey, survey_id)
    retag_now(survey)
    group = request.args.get("group") if request.args.get("group") in text.GROUPS else None
    theme_id = request.args.get("theme", type=int)
    theme = scoped_or_404(Theme, theme_id) if theme_id is not None else None
    answers = nps_themes.answers_page(survey=survey, group=group, theme_id=theme.id if theme else None,
                                      page=request.args.get("page", 1, type=int))
    return render_template(
        "surveys/responses.html", survey=survey, keywords=text.survey_keywords(survey=survey),
        table=nps_themes.theme_counts(survey=survey), drivers=nps_drivers.key_drivers(survey=survey),
        answers=answers, tags=nps_themes.tags_of(org_id=g.org.id, response_ids=[r.id for r in answers.items]),
        themes=nps_themes.org_themes(org_id=g.org.id), group=group, theme=theme,
        lang=str(get_locale() or "en"), min_n=nps_drivers.MIN_RESPONSES, GROUPS=text.GROUPS,
        GROUP_LABELS=INSIGHT_GROUP_LABELS, GROUP_SHORT=GROUP_SHORT)


@bp.route("/surveys/<int:survey_id>/follow-ups")
@manager_required
def follow_ups(survey_id: int):
    survey = scoped_or_404(Survey, survey_id)
    if followups.open_missing(org_id=g.org.id):
        db.session.commit()  # by hand: this GET page writes only when answers arrived that need a follow-up
    status = request.args.get("status", "")
    stmt = followups.follow_up_query(org=g.org, status=status, survey_id=survey.id, viewer=g.membership)
    page = db.paginate(stmt, page=max(request.args.get("page", 1, type=int) or 1, 1), per_page=PER_PAGE,
                       error_out=False)
    return render_template("surveys/follow_ups.html", survey=survey, page=page, now=utcnow(), status=status,
                           counts=followups.status_counts(org=g.org, survey_id=survey.id),
                           passives=len(followups.passives(org=g.org, survey_id=survey.id)),
                           promoters=len(promoters.promoters_to_invite(org=g.org, survey_id=survey.id)),
                           **followup_labels())


def _reminder_form(survey: Survey) -> ReminderForm:
    form = ReminderForm(data={"days": str(survey.remind_after_days or "")} if request.method == "GET" else None)
    form.fill_choices(reminders.MIN_DAYS, reminders.MAX_DAYS)
    return form


def _invitations_page(survey: Survey, upload: InviteUploadForm, reminder: ReminderForm, report=None):
    page = db.paginate(reminders.invitations_query(survey=survey),
                       page=max(request.args.get("page", 1, type=int) or 1, 1), per_page=PER_PAGE, error_out=False)
    return render_template("surveys/invitations.html", survey=survey, form=upload, reminder_form=reminder,
                           report=report, page=page, reminded=reminders.reminder_counts(survey=survey),
                           window=reminders.REMIND_WINDOW_DAYS,
                           rate=nps_results.response_rate(org_id=g.org.id, survey_id=survey.id))


@bp.route("/surveys/<int:survey_id>/invitations", methods=["GET", "POST"])
@manager_required
def invitations_section(survey_id: int):
    survey = scoped_or_404(Survey, survey_id)
    form, report = InviteUploadForm(), None
    if form.validate_on_submit():
        with service_call(form, field="file"):
            report = invitations.invite_from_csv(org=g.org, actor=g.membership, survey=survey,
                                                 data=form.file.data.read())
    return _invitations_page(survey, form, _reminder_form(survey), report)


@bp.route("/surveys/<int:survey_id>/reminders", methods=["POST"])
@manager_required
def set_reminder(survey_id: int):
    survey = scoped_or_404(Survey, survey_id)
    form = _reminder_form(survey)
    if form.validate_on_submit():
        with service_call(form, field="days") as call:
            reminders.set_reminder(survey=survey, days=form.value)
        if call.ok:
            flash(_("Reminders are off.") if form.value is None else
                  ngettext("Invitees who have not answered get one reminder %(num)d day after their invitation.",
                           "Invitees who have not answered get one reminder %(num)d days after their invitation.",
                           form.value), "success")
            return redirect(url_for("surveys.invitations_section", survey_id=survey.id) + "#reminders")
    return _invitations_page(survey, InviteUploadForm(formdata=None), form), 422
