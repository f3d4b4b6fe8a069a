"""Promoters become ambassadors: the public join page behind the thank-you invitation, and bulk invitations.

/promoters/join/<token> is public: the token (services/promoters) proves a 9–10 answer. It uses
the join flow's own sign-up and entry (web/join.py). When the answer came through a survey
invitation emailed to the address given, that proves the address: the promoter is logged in at
once, then lands on the feed — or is told an administrator approves new members first. Otherwise
(a public survey link, another address) it is the join link's sign-up: "check your email", the
same for a known and a new address, and the emailed link signs them in.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..extensions import csrf, db
from ..forms.followups import template_labels as followup_labels
from ..forms.members import template_labels
from ..forms.promoters import BulkInviteForm, PromoterConsentForm, PromoterSignupForm
from ..infra.urls import absolute_url
from ..models import Organization, Role, Survey
from ..services.nps import promoters
from .context import role_required
from .join import _enter, _sign_up, render_sent, sign_up_to_join
from .service_call import service_call
from .throttling import throttled

bp = Blueprint("promoters", __name__)
bp.context_processor(template_labels)
bp.context_processor(followup_labels)
manager_required = role_required(Role.MANAGER)
INVALID_STATUS = {promoters.EXPIRED: 410, promoters.CLOSED: 403, promoters.NOT_PROMOTER: 403}


@bp.app_template_global()
def promoter_invitation(response) -> dict | None:
    """For templates/survey_public/_after_answer.html: the join form for a promoter's answer, or None."""
    if response is None or not promoters.may_invite(response):
        return None
    if current_user.is_authenticated:
        form = PromoterConsentForm(formdata=None)
    else:
        form = PromoterSignupForm(formdata=None, **promoters.suggested(response))
    return {"token": promoters.make_join_token(response), "form": form,
            "org": db.session.get(Organization, response.org_id)}


def same_origin() -> bool:
    """A POST made by a page of this site (OWASP's origin check): Origin, else Referer, else Sec-Fetch-Site."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if source and source != "null":
        ours = urlsplit(request.host_url)
        theirs = urlsplit(source)
        return (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc)
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


@bp.route("/promoters/join/<token>", methods=["GET", "POST"])
@csrf.exempt
@throttled("promoter_join")
def join(token: str):
    if request.method == "POST" and not same_origin():
        abort(400)
    response, status = promoters.response_for_token(token)
    if status != promoters.VALID:
        org = db.session.get(Organization, response.org_id) if response is not None else None
        return render_template("promoters/invalid.html", reason=status, target_org=org), \
            INVALID_STATUS.get(status, 404)
    org = db.session.get(Organization, response.org_id)
    if current_user.is_authenticated:
        form = PromoterConsentForm()
        if form.validate_on_submit():
            with service_call(form, field="consent") as call:
                membership = promoters.join_as_promoter(response=response, user=current_user)
            if call.ok:
                return _enter(membership)
    else:
        form = PromoterSignupForm(**promoters.suggested(response))
        if form.validate_on_submit():
            def join_org(user):
                return promoters.join_as_promoter(response=response, user=user)

            if promoters.proves_address(response, form.email.data):
                done = _sign_up(form, email=form.email.data, org=org, error_field=form.email, then=join_org,
                                verified=True)
                if done is not None:
                    return done
            elif sign_up_to_join(form, org=org, join=join_org, join_link=absolute_url("promoters.join", token=token)):
                return redirect(url_for("promoters.join_sent", token=token))
    return render_template("promoters/join.html", form=form, token=token, target_org=org,
                           login_url=url_for("auth.login", next=request.path))


@bp.route("/promoters/join/<token>/sent")
def join_sent(token: str):
    """The answer to a promoter's sign-up with a typed address, whether it was new or known."""
    response, status = promoters.response_for_token(token)
    if response is None:
        abort(404)
    return render_sent(db.session.get(Organization, response.org_id))


@bp.route("/promoters")
@manager_required
def index():
    survey_id = request.args.get("survey", type=int)
    rows = promoters.promoters_to_invite(org=g.org, survey_id=survey_id)
    form = BulkInviteForm()
    form.responses.choices = [(row["response"].id, row["respondent"].email) for row in rows if not row["invited"]]
    surveys = db.session.scalars(db.select(Survey).where(Survey.org_id == g.org.id).order_by(Survey.title)).all()
    return render_template("promoters/index.html", rows=rows, form=form, surveys=surveys, survey_id=survey_id,
                           recruitment=promoters.recruitment(org=g.org))


@bp.route("/promoters/invite", methods=["POST"])
@manager_required
def invite():
    form = BulkInviteForm()
    if not form.validate_on_submit() or not form.responses.data:
        flash(_("Choose at least one promoter."), "error")
        return redirect(url_for("promoters.index"))
    with service_call() as call:
        invited, refused = promoters.invite_promoters(org=g.org, actor=g.membership,
                                                      response_ids=form.responses.data)
    if not call.ok:
        return redirect(url_for("promoters.index", survey=request.args.get("survey", type=int)))
    if invited:
        flash(ngettext("%(num)d promoter invited.", "%(num)d promoters invited.", len(invited)), "success")
    for email, reason in refused:
        flash(_("%(email)s: %(reason)s", email=email, reason=reason), "warning")
    return redirect(url_for("promoters.index", survey=request.args.get("survey", type=int)))
