"""Employee NPS pulses: managers create pulses and read anonymous results; members answer.

Every figure a manager sees comes from services/nps/pulse_results (the anonymity threshold is enforced
there); the views only read the filters and render.
"""
from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms.pulses import (
    FOLLOW_UP_STATUS_LABELS,
    RECURRENCE_LABELS,
    OpenRoundForm,
    PromoterOptInForm,
    PulseActionForm,
    PulseAnswerForm,
    PulseFollowUpForm,
    PulseForm,
    PulseTitleForm,
)
from ..models import Membership, Pulse, PulseFollowUp, PulseParticipation, PulseRound, Role, Team
from ..services.nps import pulse_admin, pulse_compare, pulse_followups, pulse_results, pulses
from ..services.nps import results as nps_results
from .context import member_required, role_required, scoped_or_404
from .service_call import service_call

bp = Blueprint("pulses", __name__)
manager_required = role_required(Role.MANAGER)
PROMOTER_KEY = "pulse_promoter"  # the thank-you page may offer the sharing nudge (session only, never stored)


@bp.context_processor
def _labels():
    return {"RECURRENCE_LABELS": RECURRENCE_LABELS, "MIN_FOR_MARGIN": nps_results.MIN_FOR_MARGIN,
            "FOLLOW_UP_STATUS_LABELS": FOLLOW_UP_STATUS_LABELS}


def _org_teams():
    return list(db.session.scalars(sa.select(Team).where(Team.org_id == g.org.id).order_by(Team.name)))


@bp.route("/pulses", methods=["GET", "POST"])
@manager_required
def index():
    form = PulseForm()
    form.teams.choices = [(t.id, t.name) for t in _org_teams()]
    if form.validate_on_submit():
        with service_call(form, field="title") as call:
            pulse = pulses.create_pulse(org=g.org, data=form.to_data(), created_by_id=current_user.id)
            pulses.open_round(pulse=pulse, org=g.org)
        if call.ok:
            flash(_("The pulse is open: the first round has been sent."), "success")
            return redirect(url_for("pulses.results", pulse_id=pulse.id))
    items = db.session.scalars(sa.select(Pulse).where(Pulse.org_id == g.org.id).order_by(Pulse.created_at.desc()))
    return render_template("pulses/index.html", form=form, pulses=list(items),
                           threshold=pulse_results.min_group(g.org),
                           open_follow_ups=len(pulse_followups.follow_ups(org=g.org, status="open")))


@bp.route("/pulses/<int:pulse_id>/edit", methods=["GET", "POST"])
@manager_required
def edit(pulse_id: int):
    """Title always; wording, teams, recurrence, days and aspects until the first answer (pulse_admin)."""
    pulse = scoped_or_404(Pulse, pulse_id)
    stored, locked = pulse_admin.data_of(pulse), pulse_admin.has_answers(pulse)
    form = PulseTitleForm(title=pulse.title) if locked else PulseForm.of(stored)
    if not locked:
        form.teams.choices = [(t.id, t.name) for t in _org_teams()]
    if form.validate_on_submit():
        data = replace(stored, title=form.title.data or "") if locked else form.to_data()
        with service_call(form, field="title") as call:
            pulse_admin.update_pulse(pulse=pulse, org=g.org, data=data)
        if call.ok:
            flash(_("Pulse saved."), "success")
            return redirect(url_for("pulses.results", pulse_id=pulse.id))
    return render_template("pulses/edit.html", pulse=pulse, form=form, locked=locked,
                           current=pulse_admin.current_round(pulse, g.org), action_form=PulseActionForm())


def _pulse_action(pulse_id: int, action, success: str):
    pulse = scoped_or_404(Pulse, pulse_id)
    if not PulseActionForm().validate_on_submit():
        abort(400)
    with service_call() as call:
        action(pulse)
    if call.ok:
        flash(success, "success")
    return redirect(url_for("pulses.edit", pulse_id=pulse.id))


@bp.route("/pulses/<int:pulse_id>/pause", methods=["POST"])
@manager_required
def pause(pulse_id: int):
    return _pulse_action(pulse_id, lambda p: pulse_admin.pause(pulse=p),
                         _("Paused: no new round opens until you resume the pulse."))


@bp.route("/pulses/<int:pulse_id>/resume", methods=["POST"])
@manager_required
def resume(pulse_id: int):
    return _pulse_action(pulse_id, lambda p: pulse_admin.resume(pulse=p),
                         _("Resumed: the next round opens when it is due."))


@bp.route("/pulses/<int:pulse_id>/rounds/<int:round_id>/close", methods=["POST"])
@manager_required
def close_round(pulse_id: int, round_id: int):
    rnd = scoped_or_404(PulseRound, round_id)
    if rnd.pulse_id != pulse_id:
        abort(404)
    return _pulse_action(pulse_id, lambda p: pulse_admin.close_round(rnd=rnd, org=g.org),
                         _("The round is closed: no more answers or reminders, and its results are final."))


@bp.route("/pulses/follow-ups")
@manager_required
def follow_ups():
    status = request.args.get("status", "")
    return render_template("pulses/follow_ups.html", items=pulse_followups.follow_ups(org=g.org, status=status),
                           status=status)


@bp.route("/pulses/follow-ups/<int:follow_up_id>", methods=["GET", "POST"])
@manager_required
def follow_up(follow_up_id: int):
    item = scoped_or_404(PulseFollowUp, follow_up_id)
    form = PulseFollowUpForm(obj=item)
    if form.validate_on_submit():
        with service_call(form, field="note") as call:
            pulse_followups.update(follow_up=item, status=form.status.data, note=form.note.data or "")
        if call.ok:
            flash(_("Follow-up saved."), "success")
            return redirect(url_for("pulses.follow_up", follow_up_id=item.id))
    team = db.session.get_one(Team, item.team_id)
    return render_template("pulses/follow_up.html", item=item, form=form, team=team,
                           addressees=pulse_followups.addressees(team=team))


@bp.route("/pulses/<int:pulse_id>")
@manager_required
def results(pulse_id: int):
    pulse = scoped_or_404(Pulse, pulse_id)
    round_ids = {r.id for r in pulse.rounds}
    teams = pulse_results.pulse_teams(pulse)
    team_ids = {t.id for t in teams}
    round_id = request.args.get("round", type=int)
    team_id = request.args.get("team", type=int)
    report = pulse_results.pulse_results(pulse=pulse, org=g.org, round_id=round_id if round_id in round_ids else None,
                                         team_id=team_id if team_id in team_ids else None)
    if pulse_followups.open_for_pulse(pulse=pulse, org=g.org):
        db.session.commit()  # by hand: this GET writes only when a closed round's themes were not checked yet
    themes = (pulse_followups.team_detractor_themes(pulse=pulse, org=g.org, round_id=report.round_id,
                                                    team_id=report.team_id)
              if report.round_id and report.team_id else None)
    return render_template("pulses/results.html", pulse=pulse, report=report, open_form=OpenRoundForm(), teams=teams,
                           detractor_themes=themes, lang=str(get_locale() or "en"),
                           customer=pulse_compare.customer_nps_beside(pulse=pulse, org=g.org, round_id=report.round_id),
                           current=pulse_admin.current_round(pulse, g.org),
                           follow_ups=pulse_followups.follow_ups(org=g.org, pulse_id=pulse.id))


@bp.route("/pulses/<int:pulse_id>/rounds", methods=["POST"])
@manager_required
def open_round(pulse_id: int):
    pulse = scoped_or_404(Pulse, pulse_id)
    if OpenRoundForm().validate_on_submit():
        with service_call() as call:
            pulses.open_round(pulse=pulse, org=g.org)
        if call.ok:
            flash(_("A new round is open."), "success")
    return redirect(url_for("pulses.results", pulse_id=pulse.id))


@bp.route("/pulses/<int:pulse_id>/beside-customers", methods=["GET", "POST"])
@manager_required
def compare(pulse_id: int):
    """eNPS beside customer NPS; the form pairs each of the pulse's teams with a customer segment or store."""
    pulse = scoped_or_404(Pulse, pulse_id)
    teams = pulse_results.pulse_teams(pulse)
    form = PulseActionForm()
    if form.validate_on_submit():
        with service_call() as call:
            pulse_compare.pair_teams(org=g.org, places={t.id: request.form.get(f"place_{t.id}", "") for t in teams})
        if call.ok:
            flash(_("Teams paired with their customers."), "success")
            return redirect(url_for("pulses.compare", pulse_id=pulse.id))
    return render_template("pulses/compare.html", pulse=pulse, teams=teams, form=form,
                           places=pulse_compare.customer_places(org=g.org),
                           pairs=pulse_compare.side_by_side(pulse=pulse, org=g.org),
                           threshold=pulse_results.min_group(g.org))


def _my_open_participation(pulse_id: int | None) -> PulseParticipation | None:
    return pulses.open_participation(membership=g.membership, pulse_id=pulse_id)


@bp.route("/pulse", methods=["GET", "POST"])
@bp.route("/pulse/<int:pulse_id>", methods=["GET", "POST"])
@member_required
def answer(pulse_id: int | None = None):
    participation = _my_open_participation(pulse_id)
    if participation is None:
        return render_template("pulses/answer.html", participation=None, form=None)
    return _answer_page(participation, g.membership, lambda: url_for("pulses.thanks"))


def _answer_page(participation: PulseParticipation, membership: Membership, thanks_url):
    """The answer form of one participation; on success the thank-you page (the promoter flag in the session)."""
    pulse = participation.round.pulse
    lang = str(get_locale() or "en")
    form = PulseAnswerForm()
    if request.method == "GET" and request.args.get("score", type=int) in range(11):
        form.score.data = str(request.args.get("score", type=int))  # the score clicked in the email
    if form.validate_on_submit():
        aspects = {a.id: request.form.get(f"aspect_{a.id}", "") for a in pulse.aspects}
        with service_call(form, field="score") as call:
            row = pulses.answer(participation=participation, membership=membership, score=form.score.data,
                                comment=form.comment.data or "", aspect_scores=aspects, language=lang)
            promoter = row.group == "promoter"
        if call.ok:
            session[PROMOTER_KEY] = promoter
            return redirect(thanks_url())
    return render_template("pulses/answer.html", participation=participation, pulse=pulse, form=form, lang=lang,
                           question=pulses.text_in(pulse.question, lang, pulses.DEFAULT_QUESTION),
                           open_question=pulses.text_in(pulse.open_question, lang),
                           threshold=pulse_results.min_group(membership.organization))


def _by_token_or_404(token: str) -> PulseParticipation:
    participation = db.session.scalar(sa.select(PulseParticipation).where(PulseParticipation.token == token))
    if participation is None:
        abort(404)
    return participation


@bp.route("/pulse/t/<token>", methods=["GET", "POST"])
def by_token(token: str):
    """The email's link: the answer page with the clicked score chosen; "Send" records it (a link checker
    opening the link answers nothing). The token stands for the member, no sign-in needed."""
    participation = _by_token_or_404(token)
    membership = db.session.get_one(Membership, participation.membership_id)
    if participation.answered or not pulses.is_open(participation.round, membership.organization):
        return render_template("pulses/answer.html", participation=None, form=None, done=participation.answered)
    return _answer_page(participation, membership, lambda: url_for("pulses.token_thanks", token=token))


@bp.route("/pulse/t/<token>/thanks", methods=["GET", "POST"])
def token_thanks(token: str):
    participation = _by_token_or_404(token)
    return _thanks_page(db.session.get_one(Membership, participation.membership_id), participation.answered)


@bp.route("/pulse/thanks", methods=["GET", "POST"])
@member_required
def thanks():
    return _thanks_page(g.membership, True)


def _thanks_page(membership: Membership, answered: bool):
    """Thank you; a promoter (flag kept in their own session, never stored) may ask for the sharing guide."""
    promoter = bool(session.get(PROMOTER_KEY)) and answered
    form = PromoterOptInForm()
    if request.method == "POST":
        if not promoter or not form.validate_on_submit():
            abort(400)
        with service_call() as call:
            pulses.ask_for_sharing_nudge(membership=membership)
        if call.ok:
            session.pop(PROMOTER_KEY, None)
            flash(_("Welcome aboard! Start here: share one of these posts."), "success")
            return redirect(url_for("feed.index"))
    return render_template("pulses/thanks.html", promoter=promoter, form=form)


@bp.route("/pulse/nudge/dismiss", methods=["POST"])
@member_required
def dismiss_nudge():
    if PromoterOptInForm().validate_on_submit():
        with service_call():
            pulses.dismiss_sharing_nudge(membership=g.membership)
    return redirect(url_for("feed.index"))


