"""Chat webhooks settings (admins) and the digest's unsubscribe page (public, by signed link)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import csrf
from ..forms.notify import WebhookForm
from ..infra.urls import absolute_url
from ..models import Role
from ..services.analytics import leaderboard
from ..services.notify import digests, webhook_delivery, webhooks
from .context import role_required
from .service_call import service_call

bp = Blueprint("notify", __name__)
admin_required = role_required(Role.ADMIN)


def _form() -> WebhookForm:
    form = WebhookForm()
    form.team_id.choices = [("", _("The whole organization"))] + [
        (str(team.id), team.name) for team in leaderboard.org_teams(org_id=g.org.id)]
    return form


@bp.route("/settings/chat", methods=["GET", "POST"])
@admin_required
def webhooks_page():
    form = _form()
    if form.validate_on_submit():
        with service_call(form) as call:
            webhooks.add_endpoint(org=g.org, kind=form.kind.data, url=form.url.data,
                                  team_id=int(form.team_id.data) if form.team_id.data else None)
        if call.ok:
            flash(_("Webhook saved. Send a test message to check it."), "success")
            return redirect(url_for("notify.webhooks_page"))
    return render_template("org/webhooks.html", form=form, endpoints=webhooks.endpoints(org=g.org),
                           deliveries=webhooks.recent_deliveries(org=g.org))


def _endpoint_or_404(endpoint_id: int):
    endpoint = webhooks.get_endpoint(org=g.org, endpoint_id=endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


@bp.route("/settings/chat/<int:endpoint_id>/test", methods=["POST"])
@admin_required
def test_webhook(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    with service_call():
        outcome = webhook_delivery.send_test(org=g.org, endpoint=endpoint, link=absolute_url("feed.index"))
    if outcome.ok:
        flash(_("Test message sent to %(hook)s.", hook=endpoint.url_hint), "success")
    elif outcome.gone:
        flash(_("The webhook %(hook)s no longer exists (%(why)s); it is turned off. Create a new one in the channel "
                "and paste its URL.", hook=endpoint.url_hint, why=outcome.summary), "error")
    else:
        flash(_("The test message was not accepted (%(why)s).", why=outcome.summary), "error")
    return redirect(url_for("notify.webhooks_page"))


@bp.route("/settings/chat/<int:endpoint_id>/delete", methods=["POST"])
@admin_required
def delete_webhook(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    with service_call():
        webhooks.remove_endpoint(endpoint=endpoint)
    flash(_("Webhook removed."), "success")
    return redirect(url_for("notify.webhooks_page"))


# No CSRF token: mail clients post the one-click unsubscribe (RFC 8058) with only the body
# "List-Unsubscribe=One-Click"; the signed token in the URL is the proof.
@bp.route("/digest/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    membership = digests.membership_for_token(token)
    if membership is None:
        abort(404)
    if request.method == "POST":
        with service_call():
            digests.unsubscribe(membership=membership)
    return render_template("notify/unsubscribe.html", member=membership, org=membership.organization,
                           token=token, done=membership.digest_frequency == "off")
