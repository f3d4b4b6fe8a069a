"""Event webhooks settings (admins): endpoints, their secret (shown once), test events and the delivery log."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..forms.event_hooks import EventHookForm
from ..models import Role
from ..services.hooks import delivery, endpoints
from .context import role_required
from .origin import request_origin
from .service_call import service_call

bp = Blueprint("event_hooks", __name__, url_prefix="/settings/webhooks")
admin_required = role_required(Role.ADMIN)


def _form(**kwargs) -> EventHookForm:
    form = EventHookForm(**kwargs)
    form.events.choices = [(name, f"{label} ({name})") for name, label in endpoints.EVENT_TYPES.items()]
    return form


def _hook_or_404(hook_id: int):
    hook = endpoints.get_hook(org_id=g.org.id, hook_id=hook_id)
    if hook is None:
        abort(404)
    return hook


def _show_secret(hook, secret: str, *, created: bool):
    """The secret is rendered once, in this response only (never flashed: the session cookie is not secret)."""
    response = render_template("event_hooks/secret.html", hook=hook, secret=secret, created=created)
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("", methods=["GET", "POST"])
@admin_required
def index():
    form = _form()
    if form.validate_on_submit():
        with service_call(form) as call:
            hook, secret = endpoints.create_hook(org_id=g.org.id, url=form.url.data, events=form.events.data,
                                                 description=form.description.data, actor=g.membership.user,
                                                 origin=request_origin())
        if call.ok:
            return _show_secret(hook, secret, created=True)
    elif request.method == "GET":
        form.events.data = []
    return render_template("event_hooks/index.html", form=form, hooks=endpoints.hooks(org_id=g.org.id),
                           event_types=endpoints.EVENT_TYPES)


@bp.route("/<int:hook_id>", methods=["GET", "POST"])
@admin_required
def deliveries(hook_id: int):
    """The endpoint's settings and its delivery log (newest first, keyset pages with ?before=<id>)."""
    hook = _hook_or_404(hook_id)
    form = _form(obj=None if request.method == "POST" else hook)
    if request.method == "GET":
        form.enabled.data = hook.disabled_at is None
    if form.validate_on_submit():
        with service_call(form) as call:
            endpoints.update_hook(hook=hook, url=form.url.data, description=form.description.data,
                                  events=form.events.data, enabled=form.enabled.data, actor=g.membership.user,
                                  origin=request_origin())
        if call.ok:
            flash(_("Webhook endpoint saved."), "success")
            return redirect(url_for("event_hooks.deliveries", hook_id=hook.id))
    before = request.args.get("before", type=int)
    rows = endpoints.deliveries(hook=hook, before_id=before, limit=endpoints.PAGE + 1)
    return render_template("event_hooks/deliveries.html", hook=hook, form=form, rows=rows[:endpoints.PAGE],
                           next_before=rows[endpoints.PAGE - 1].id if len(rows) > endpoints.PAGE else None,
                           first_page=before is None)


@bp.route("/<int:hook_id>/rotate", methods=["POST"])
@admin_required
def rotate(hook_id: int):
    hook = _hook_or_404(hook_id)
    with service_call():
        secret = endpoints.rotate_secret(hook=hook, actor=g.membership.user, origin=request_origin())
    return _show_secret(hook, secret, created=False)


@bp.route("/<int:hook_id>/test", methods=["POST"])
@admin_required
def send_test(hook_id: int):
    hook = _hook_or_404(hook_id)
    with service_call():
        outcome = delivery.send_test(hook=hook)
    if outcome.ok:
        flash(_("Test event accepted by %(url)s (HTTP %(status)s).", url=hook.url, status=outcome.status), "success")
    else:
        flash(_("The test event was not accepted: %(why)s", why=outcome.error), "error")
    return redirect(url_for("event_hooks.deliveries", hook_id=hook.id))


@bp.route("/<int:hook_id>/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
@admin_required
def redeliver(hook_id: int, delivery_id: int):
    hook = _hook_or_404(hook_id)
    row = endpoints.get_delivery(hook=hook, delivery_id=delivery_id)
    if row is None:
        abort(404)
    with service_call() as call:
        endpoints.redeliver(delivery=row)
    if call.ok:
        flash(_("The event is queued again; the worker sends it within a few seconds."), "success")
    return redirect(url_for("event_hooks.deliveries", hook_id=hook.id))


@bp.route("/<int:hook_id>/delete", methods=["POST"])
@admin_required
def delete(hook_id: int):
    hook = _hook_or_404(hook_id)
    with service_call():
        endpoints.delete_hook(hook=hook, actor=g.membership.user, origin=request_origin())
    flash(_("Webhook endpoint removed."), "success")
    return redirect(url_for("event_hooks.index"))
