"""Challenges: the list (running, upcoming, past; drafts for managers), a challenge's page (rules, live board,
progress, my position, winners) and the manager's form, publishing and deleting a draft."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..forms.challenges import ChallengeForm
from ..infra import database
from ..models import Challenge, Role
from ..services.challenges import scores, setup, texts
from ..services.org import teams
from .context import member_required, role_required, scoped_or_404
from .service_call import service_call

bp = Blueprint("challenges", __name__)
manager_required = role_required(Role.MANAGER)
BOARD_SIZE = 20


@bp.app_context_processor
def _challenge_helpers():
    """`challenge_texts` (labels, rules, score units) and `challenge_notices()` (the feed's notices: running
    challenges with the viewer's position, recent winners), computed only where a template calls it."""
    def challenge_notices():
        found = setup.notices(org_id=g.org.id)
        mine = {c.id: scores.board(c, limit=0, me_id=g.membership.id).me for c in found.running}
        return found, mine

    return {"challenge_texts": texts, "challenge_notices": challenge_notices}


@bp.route("/challenges")
@member_required
def index():
    staff = g.membership.has_role(Role.MANAGER)
    return render_template("challenges/index.html", listing=setup.listing(org_id=g.org.id, staff=staff), staff=staff)


@bp.route("/challenges/<int:challenge_id>")
@member_required
def detail(challenge_id: int):
    challenge = scoped_or_404(Challenge, challenge_id)
    staff = g.membership.has_role(Role.MANAGER)
    if not setup.visible(challenge=challenge, staff=staff):
        abort(404)
    board = scores.board(challenge, limit=BOARD_SIZE, me_id=g.membership.id)
    return render_template("challenges/detail.html", challenge=challenge, board=board, staff=staff,
                           winners=setup.winners_of([challenge.id])[challenge.id],
                           days_left=setup.days_left(challenge=challenge, org=g.org),
                           click_cap=current_app.config.get("CLICKS_PER_ADDRESS_PER_LINK_PER_DAY", 3))


@bp.route("/challenges/new", methods=["GET", "POST"])
@manager_required
def new():
    return _form(None)


@bp.route("/challenges/<int:challenge_id>/edit", methods=["GET", "POST"])
@manager_required
def edit(challenge_id: int):
    return _form(scoped_or_404(Challenge, challenge_id))


def _form(challenge: Challenge | None):
    # A running challenge's form only holds its name and description: the rest comes from the challenge.
    locked = challenge is not None and challenge.status not in setup.EDITABLE
    form = ChallengeForm(obj=challenge) if locked else ChallengeForm()
    form.set_team_choices(teams.teams_of(g.org))
    form.set_reward_choices(setup.rewards_for_prizes(org_id=g.org.id))
    if challenge is not None and request.method == "GET":
        form.fill(challenge)
    if form.validate_on_submit():
        with service_call(form, on_form=True) as call:
            saved = setup.save_challenge(org=g.org, data=form.to_input(), author=g.membership, challenge=challenge)
        if call.ok:
            flash(_("“%(title)s” is saved.", title=saved.title), "success")
            return redirect(url_for("challenges.detail", challenge_id=saved.id), code=303)
    return render_template("challenges/form.html", form=form, challenge=challenge), 422 if form.errors else 200


@bp.route("/challenges/<int:challenge_id>/publish", methods=["POST"])
@manager_required
def publish(challenge_id: int):
    challenge = scoped_or_404(Challenge, challenge_id)
    database.begin_write()
    with service_call() as call:
        setup.publish(challenge=challenge)
    if call.ok:
        flash(_("“%(title)s” is published: members see it, and it starts on its first day.",
                title=challenge.title), "success")
    return redirect(url_for("challenges.detail", challenge_id=challenge.id), code=303)


@bp.route("/challenges/<int:challenge_id>/delete", methods=["POST"])
@manager_required
def delete(challenge_id: int):
    challenge = scoped_or_404(Challenge, challenge_id)
    title = challenge.title
    with service_call() as call:
        setup.delete_draft(challenge=challenge)
    if call.ok:
        flash(_("The draft “%(title)s” is deleted.", title=title), "success")
        return redirect(url_for("challenges.index"), code=303)
    return redirect(url_for("challenges.detail", challenge_id=challenge_id), code=303)
