"""NPS insights for managers: the organization's themes and their keywords, retagging and tag corrections.

A survey's keywords, theme counts, key drivers and answers are its hub's "Responses & insights" section
(web/survey_hub.py); the old /insights addresses redirect there.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..forms.nps_insights import GROUP_LABELS, GROUP_SHORT, ThemeForm
from ..models import Role, Survey, SurveyResponse, Theme
from ..services.nps import text
from ..services.nps import themes as nps_themes
from .context import role_required, scoped_or_404
from .service_call import service_call

bp = Blueprint("nps_insights", __name__, url_prefix="/insights")


@bp.context_processor
def _labels():
    return {"GROUP_LABELS": GROUP_LABELS, "GROUP_SHORT": GROUP_SHORT, "GROUPS": text.GROUPS}


@bp.route("/")
@role_required(Role.MANAGER)
def index():
    """Insights were a menu of their own; each survey's are now a section of its hub (web/survey_hub.py)."""
    return redirect(url_for("surveys.index"), 301)


def _save_theme(form: ThemeForm, theme: Theme | None) -> bool:
    """Create or update from the form; False (and messages next to the fields) when refused."""
    with service_call(form) as call:
        if theme is None:
            nps_themes.create_theme(org_id=g.org.id, name=form.name.data, keywords_text=form.keywords.data)
        else:
            nps_themes.update_theme(theme=theme, name=form.name.data, keywords_text=form.keywords.data)
    return call.ok


@bp.route("/themes", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def themes():
    form = ThemeForm()
    if form.validate_on_submit() and _save_theme(form, None):
        flash(_("Theme added; the answers were tagged with it."), "success")
        return redirect(url_for(".themes"))
    return render_template("nps_insights/themes.html", form=form, themes=nps_themes.org_themes(org_id=g.org.id))


@bp.route("/themes/<int:theme_id>", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def edit_theme(theme_id: int):
    theme = scoped_or_404(Theme, theme_id)
    form = ThemeForm(data={"name": theme.name, "keywords": ", ".join(theme.keywords or [])}
                     if request.method == "GET" else None)
    if form.validate_on_submit() and _save_theme(form, theme):
        flash(_("Theme saved; automatic tags follow the new keywords, your corrections stay."), "success")
        return redirect(url_for(".themes"))
    return render_template("nps_insights/theme_edit.html", form=form, theme=theme)


@bp.route("/themes/<int:theme_id>/delete", methods=["POST"])
@role_required(Role.MANAGER)
def delete_theme(theme_id: int):
    theme = scoped_or_404(Theme, theme_id)
    with service_call():
        nps_themes.delete_theme(theme=theme)
    flash(_("Theme deleted."), "success")
    return redirect(url_for(".themes"))


def retag_now(survey: Survey) -> int:
    """Bring automatic tags up to date (answers may have arrived since); never touches corrections."""
    try:  # by hand, not service_call: a concurrent tagging is not an error for the manager, just 0 changes
        with db.session.begin_nested():
            changes = text.retag_survey(survey)
        db.session.commit()
    except IntegrityError:  # another manager's page tagged the same answers at the same moment
        db.session.rollback()
        changes = 0
    return changes


@bp.route("/surveys/<int:survey_id>")
@role_required(Role.MANAGER)
def survey(survey_id: int):
    """The old address of a survey's insights: its hub's "Responses & insights" section, filters kept."""
    item = scoped_or_404(Survey, survey_id)
    kept = {key: request.args[key] for key in ("group", "theme", "page") if key in request.args}
    return redirect(url_for("surveys.responses", survey_id=item.id, **kept), 301)


@bp.route("/surveys/<int:survey_id>/retag", methods=["POST"])
@role_required(Role.MANAGER)
def retag(survey_id: int):
    changes = retag_now(scoped_or_404(Survey, survey_id))
    flash(ngettext("Answers tagged again: %(num)d change. Your corrections were kept.",
                   "Answers tagged again: %(num)d changes. Your corrections were kept.", changes), "success")
    return redirect(url_for("surveys.responses", survey_id=survey_id))


def _answer(survey_id: int, response_id: int) -> SurveyResponse:
    answer = scoped_or_404(SurveyResponse, response_id)
    if answer.survey_id != survey_id:
        abort(404)
    return answer


def _back(survey_id: int, response_id: int):
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith(("//", "/\\")) or urlsplit(target).netloc:
        target = url_for("surveys.responses", survey_id=survey_id)
    return redirect(f"{target}#answer-{response_id}")


@bp.route("/surveys/<int:survey_id>/answers/<int:response_id>/tags", methods=["POST"])
@role_required(Role.MANAGER)
def set_tag(survey_id: int, response_id: int):
    answer = _answer(survey_id, response_id)
    theme = scoped_or_404(Theme, request.form.get("theme_id", type=int) or 0)
    with service_call():
        nps_themes.set_tag(response=answer, theme=theme, present=request.form.get("action") != "remove")
    flash(_("Tag corrected: %(theme)s.", theme=theme.name), "success")
    return _back(survey_id, response_id)


@bp.route("/surveys/<int:survey_id>/answers/<int:response_id>/reset", methods=["POST"])
@role_required(Role.MANAGER)
def reset_tags(survey_id: int, response_id: int):
    with service_call():
        nps_themes.reset_tags(response=_answer(survey_id, response_id))
    flash(_("Corrections forgotten; the answer is tagged from its comment again."), "success")
    return _back(survey_id, response_id)
