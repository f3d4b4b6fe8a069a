"""Rewards: "My rewards" (balance, badges, catalogue, history), redeeming, the catalogue (curators
and above) and the redemption requests (managers and above approve, fulfil or refuse)."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.exc import OperationalError

from ..extensions import db
from ..forms.rewards import RewardForm
from ..infra import database, uploads
from ..models import Role
from ..models.rewards import REDEMPTION_STATUSES, Redemption, RedemptionStatus, Reward
from ..services.community import badges, points, redemptions, rewards
from ..services.org import teams
from .context import member_required, role_required, scoped_or_404
from .origin import request_origin
from .service_call import service_call

bp = Blueprint("rewards", __name__)
curator_required = role_required(Role.CURATOR)
manager_required = role_required(Role.MANAGER)
log = logging.getLogger(__name__)
PER_PAGE = 25


@bp.app_context_processor
def _badge_helpers():
    """`member_badges(ids)` for any page listing members (the leaderboard): {membership id: [Badge]}."""
    def member_badges(ids):
        org = getattr(g, "org", None)
        return badges.badges_of(org_id=org.id, membership_ids=ids) if org is not None else {}

    return {"member_badges": member_badges}


def _award_badges() -> list:
    """Award what the member reached since the periodic job last ran; never fails the page."""
    try:  # by hand, not service_call: a busy database postpones the badges, it is not the member's error
        new = badges.evaluate(g.membership)
        db.session.commit()
    except OperationalError:  # SQLite busy with another writer: the periodic job awards them later
        db.session.rollback()
        log.info("badges of member %s: evaluation postponed", g.membership.id)
        return []
    return [badges.BY_KEY[award.badge] for award in new]


@bp.route("/rewards")
@member_required
def index():
    new_badges = _award_badges()
    balance = points.balance(g.membership.id)
    return render_template("rewards/index.html", balance=balance, new_badges=new_badges,
                           badge_states=badges.states(g.membership),
                           items=rewards.catalogue(membership=g.membership, balance=balance),
                           history=redemptions.history(membership=g.membership),
                           open_requests=redemptions.count_by_status(org_id=g.org.id).get(RedemptionStatus.REQUESTED, 0)
                           if g.membership.has_role(Role.MANAGER) else 0)


@bp.route("/rewards/<int:reward_id>/redeem", methods=["POST"])
@member_required
def redeem(reward_id: int):
    reward = scoped_or_404(Reward, reward_id)
    database.begin_write()  # SQLite: check and debit in one write transaction (services/community/redemptions.py)
    with service_call() as call:
        redemption = redemptions.redeem(membership=g.membership, reward=reward)
    if call.ok:
        flash(ngettext("You redeemed “%(title)s” for %(num)d point. The team will be in touch.",
                       "You redeemed “%(title)s” for %(num)d points. The team will be in touch.",
                       redemption.points, title=redemption.reward_title), "success")
    return redirect(url_for("rewards.index", _anchor="history"), code=303)


@bp.route("/rewards/redemptions/<int:redemption_id>/cancel", methods=["POST"])
@member_required
def cancel(redemption_id: int):
    redemption = redemptions.own_redemption(membership=g.membership, redemption_id=redemption_id)
    if redemption is None:
        abort(404)
    return _decide(lambda: redemptions.cancel(redemption=redemption, membership=g.membership),
                   _("Your request is canceled and its points are back."), url_for("rewards.index", _anchor="history"))


@bp.route("/rewards/<int:reward_id>/image")
@member_required
def image(reward_id: int):
    reward = scoped_or_404(Reward, reward_id)
    path = uploads.absolute_path(reward.image_path) if reward.image_path else None
    if path is None or (not reward.active and not g.membership.has_role(Role.CURATOR)):
        abort(404)
    response = send_file(path, mimetype=uploads.mimetype_for(reward.image_path), max_age=3600, conditional=True)
    response.cache_control.private = True
    return response


# The catalogue -----------------------------------------------------------------------------------

@bp.route("/rewards/catalogue")
@curator_required
def catalogue():
    return render_template("rewards/catalogue.html", rewards=rewards.rewards_of(org_id=g.org.id))


@bp.route("/rewards/catalogue/new", methods=["GET", "POST"])
@curator_required
def new_reward():
    return _reward_form(None)


@bp.route("/rewards/catalogue/<int:reward_id>", methods=["GET", "POST"])
@curator_required
def edit_reward(reward_id: int):
    return _reward_form(scoped_or_404(Reward, reward_id))


def _reward_form(reward: Reward | None):
    form = RewardForm()
    form.set_team_choices(teams.teams_of(g.org))
    if reward is not None and request.method == "GET":
        form.fill(reward)
    if form.validate_on_submit():
        with service_call(form, on_form=True) as call:
            saved, stale = rewards.save_reward(org=g.org, data=form.to_input(), reward=reward)
        if call.ok:
            uploads.delete_file(stale)
            flash(_("“%(title)s” is saved.", title=saved.title), "success")
            return redirect(url_for("rewards.catalogue"), code=303)
    return render_template("rewards/reward_form.html", form=form, reward=reward), 422 if form.errors else 200


# Redemption requests (managers) ------------------------------------------------------------------

@bp.route("/rewards/requests")
@manager_required
def requests():
    status = request.args.get("status", RedemptionStatus.REQUESTED)
    if status not in REDEMPTION_STATUSES:
        status = RedemptionStatus.REQUESTED
    page = redemptions.requests_page(org_id=g.org.id, status=status, per_page=PER_PAGE,
                                     page=max(request.args.get("page", 1, type=int) or 1, 1))
    return render_template("rewards/requests.html", page=page, status=status, statuses=REDEMPTION_STATUSES,
                           counts=redemptions.count_by_status(org_id=g.org.id))


DECISIONS = {
    "approve": (lambda r: redemptions.approve(redemption=r, actor=g.membership),
                _l("“%(title)s” for %(name)s is approved.")),
    "fulfil": (lambda r: redemptions.fulfil(redemption=r, actor=g.membership, origin=request_origin()),
               _l("“%(title)s” for %(name)s is marked as fulfilled.")),
    "refuse": (lambda r: redemptions.refuse(redemption=r, actor=g.membership, reason=request.form.get("reason", ""),
                                            origin=request_origin()),
               _l("“%(title)s” for %(name)s is refused; the points went back.")),
}


@bp.route("/rewards/requests/<int:redemption_id>/<any(approve, fulfil, refuse):action>", methods=["POST"])
@manager_required
def decide(redemption_id: int, action: str):
    redemption = scoped_or_404(Redemption, redemption_id)
    service, message = DECISIONS[action]
    done = message % {"title": redemption.reward_title, "name": redemption.membership.user.display_name}
    return _decide(lambda: service(redemption), done,
                   url_for("rewards.requests", status=request.args.get("status", RedemptionStatus.REQUESTED)))


def _decide(change, done: str, back: str):
    database.begin_write()  # SQLite: write lock first, so the status change never meets "database is locked"
    with service_call() as call:
        change()
    if call.ok:
        flash(done, "success")
    return redirect(back, code=303)
