"""Detractor follow-ups, messages to passives and respondents' data requests (export, erase).

Managers and admins see every follow-up of their organization; a curator sees (and works on)
the ones assigned to them. Passives and privacy requests are for managers and admins.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..extensions import db
from ..forms.followups import (
    AssignForm,
    EraseForm,
    FollowUpFilterForm,
    NoteForm,
    PassiveMessageForm,
    RespondentSearchForm,
    UpdateForm,
    template_labels,
)
from ..models import FollowUp, Respondent, Role, Survey, utcnow
from ..services.audit import actions
from ..services.audit.log import record
from ..services.nps import followups, invitations, respondent_privacy
from .context import role_required, scoped_or_404
from .origin import request_origin
from .service_call import service_call

bp = Blueprint("followups", __name__)
bp.context_processor(template_labels)
staff_required = role_required(Role.CURATOR)
manager_required = role_required(Role.MANAGER)
PER_PAGE = 25


def _surveys() -> list[Survey]:
    return list(db.session.scalars(sa.select(Survey).where(Survey.org_id == g.org.id).order_by(Survey.title)))


def _staff_choices(empty_label: str) -> list[tuple[str, str]]:
    return [("", empty_label)] + [(str(m.id), m.user.display_name) for m in followups.staff_members(org_id=g.org.id)]


def _follow_up_or_404(follow_up_id: int) -> FollowUp:
    follow_up = scoped_or_404(FollowUp, follow_up_id)
    if not followups.may_work_on(g.membership, follow_up):
        abort(403)
    return follow_up


@bp.route("/follow-ups")
@staff_required
def index():
    if followups.open_missing(org_id=g.org.id):
        db.session.commit()  # by hand: this GET page writes only when answers arrived that need a follow-up
    form = FollowUpFilterForm(request.args)
    form.assignee.choices = _staff_choices(_("Anyone")) + [("none", _("Nobody yet"))]
    form.survey.choices = [("", _("All surveys"))] + [(str(s.id), s.title) for s in _surveys()]
    form.validate()
    stmt = followups.follow_up_query(org=g.org, status=form.status.data or "", assignee=form.assignee.data or "",
                                     survey_id=request.args.get("survey", type=int), overdue=bool(form.overdue.data),
                                     viewer=g.membership)
    page = db.paginate(stmt, page=max(request.args.get("page", 1, type=int) or 1, 1), per_page=PER_PAGE,
                       error_out=False)
    return render_template("followups/index.html", form=form, page=page, now=utcnow(),
                           overdue=followups.count_overdue(org=g.org))


@bp.route("/follow-ups/<int:follow_up_id>")
@staff_required
def detail(follow_up_id: int):
    follow_up = _follow_up_or_404(follow_up_id)
    assign_form = AssignForm(assignee=str(follow_up.assignee_membership_id or ""))
    assign_form.assignee.choices = _staff_choices(_("Nobody"))
    update_form = UpdateForm(status=follow_up.status, due=follow_up.due_at.date())
    return render_template("followups/detail.html", follow_up=follow_up, response=follow_up.response,
                           note_form=NoteForm(), update_form=update_form, assign_form=assign_form, now=utcnow(),
                           resurvey_refusal=followups.resurvey_refusal(follow_up))


def _act(follow_up_id: int, action, success: str, form=None):
    """Run `action(follow_up)` for a POST of the detail page; commit or roll back and say so."""
    follow_up = _follow_up_or_404(follow_up_id)
    if form is not None and not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
        return redirect(url_for("followups.detail", follow_up_id=follow_up.id))
    with service_call() as call:
        action(follow_up)
    if call.ok:
        flash(success, "success")
    return redirect(url_for("followups.detail", follow_up_id=follow_up_id))


@bp.route("/follow-ups/<int:follow_up_id>/notes", methods=["POST"])
@staff_required
def add_note(follow_up_id: int):
    form = NoteForm()
    return _act(follow_up_id, lambda f: followups.add_note(actor=g.membership, follow_up=f, text=form.text.data),
                _("Note added."), form)


@bp.route("/follow-ups/<int:follow_up_id>/update", methods=["POST"])
@staff_required
def update(follow_up_id: int):
    form = UpdateForm()
    return _act(follow_up_id, lambda f: followups.update(
        actor=g.membership, follow_up=f, status=form.status.data,
        due_at=followups.end_of_day(form.due.data, g.org.timezone)), _("Follow-up updated."), form)


@bp.route("/follow-ups/<int:follow_up_id>/assign", methods=["POST"])
@manager_required
def assign(follow_up_id: int):
    form = AssignForm()
    form.assignee.choices = _staff_choices(_("Nobody"))
    return _act(follow_up_id, lambda f: followups.assign(
        actor=g.membership, follow_up=f, assignee_id=int(form.assignee.data) if form.assignee.data else None),
        _("Assignment saved."), form)


@bp.route("/follow-ups/<int:follow_up_id>/resurvey", methods=["POST"])
@staff_required
def resurvey(follow_up_id: int):
    return _act(follow_up_id, lambda f: invitations.resurvey(actor=g.membership, follow_up=f),
                _("A new survey invitation was emailed."))


@bp.route("/follow-ups/passives", methods=["GET", "POST"])
@manager_required
def passives():
    survey_id = request.values.get("survey", type=int)
    rows = followups.passives(org=g.org, survey_id=survey_id)
    everyone = [respondent.id for _r, respondent in rows] if request.method == "GET" else None
    form = PassiveMessageForm(respondents=everyone)
    form.respondents.choices = [(respondent.id, respondent.email) for _r, respondent in rows]
    if form.validate_on_submit():
        with service_call(form, field="respondents") as call:
            message = followups.send_to_passives(org=g.org, actor=g.membership, respondent_ids=form.respondents.data,
                                                 subject=form.subject.data, body=form.body.data or "",
                                                 link=form.link.data or "", survey_id=survey_id)
        if call.ok:
            flash(ngettext("Message sent to %(num)d person.", "Message sent to %(num)d people.",
                           message.recipient_count), "success")
            return redirect(url_for("followups.passives", survey=survey_id))
    return render_template("followups/passives.html", form=form, rows=rows, surveys=_surveys(), survey_id=survey_id,
                           messages=followups.passive_messages(org=g.org))


@bp.route("/follow-ups/privacy")
@manager_required
def privacy():
    form = RespondentSearchForm(request.args)
    results = respondent_privacy.find_respondents(org=g.org, q=form.q.data or "") if form.validate() else []
    return render_template("followups/privacy.html", form=form, results=results)


@bp.route("/follow-ups/respondents/<int:respondent_id>")
@manager_required
def respondent(respondent_id: int):
    person = scoped_or_404(Respondent, respondent_id)
    return render_template("followups/respondent.html", person=person, form=EraseForm(),
                           data=respondent_privacy.export_respondent(respondent=person),
                           erased=respondent_privacy.is_erased(person))


@bp.route("/follow-ups/respondents/<int:respondent_id>/export.json")
@manager_required
def export(respondent_id: int):
    person = scoped_or_404(Respondent, respondent_id)
    body = json.dumps(respondent_privacy.export_respondent(respondent=person), ensure_ascii=False, indent=2)
    with service_call():
        record(actions.EXPORT_DOWNLOADED, org_id=g.org.id, actor=g.membership.user, origin=request_origin(),
               target_type="respondent", target_id=person.id, target_label=f"respondent-{person.id}.json",
               details={"format": "json"})
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="respondent-{person.id}.json"', "Cache-Control": "no-store"})


@bp.route("/follow-ups/respondents/<int:respondent_id>/erase", methods=["POST"])
@manager_required
def erase(respondent_id: int):
    person = scoped_or_404(Respondent, respondent_id)
    form = EraseForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm the erasure."), "error")
        return redirect(url_for("followups.respondent", respondent_id=person.id))
    with service_call():
        respondent_privacy.erase_respondent(respondent=person)
    flash(_("The respondent's personal data is erased; their scores stay, without a link to them."), "success")
    return redirect(url_for("followups.respondent", respondent_id=respondent_id))
