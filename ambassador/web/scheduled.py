"""The member's shares through linked accounts by state (/me/shares): edit or cancel what is scheduled,
see what went out or failed and why, settle the ones the network left unconfirmed."""
from __future__ import annotations

from datetime import datetime

from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_decimal
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..forms.content import from_utc
from ..forms.feed import ConfirmPostedForm, EditScheduledForm
from ..models import ShareStatus
from ..services.analytics import engagement
from ..services.publishing import languages, linked_shares, scheduled
from .context import member_required
from .service_call import service_call

bp = Blueprint("scheduled", __name__)


@bp.app_template_filter("member_time")
def member_time(value: datetime | None) -> str:
    """A naive UTC moment in the signed-in member's own time zone and language: date, hours and minutes."""
    if value is None:
        return ""
    local = from_utc(value, getattr(current_user, "timezone", None) or "UTC")
    locale = get_locale()
    return (get_datetime_format("medium", locale=locale).replace("'", "")
            .replace("{1}", format_date(local, "medium", locale=locale))
            .replace("{0}", format_time(local, "short", locale=locale)))


@bp.app_template_filter("figure")
def figure(value: int) -> str:
    """A count as the member's language writes it (1,234 · 1.234 · 1 234)."""
    return format_decimal(value, locale=get_locale())


def accounts_url() -> str | None:
    """The "My accounts" page, when that area is installed."""
    return url_for("accounts.index") if "accounts.index" in current_app.view_functions else None


@bp.context_processor
def _helpers():
    return {"accounts_url": accounts_url(),
            "post_text": lambda post: languages.text_for_member(post, g.membership)}


def _own_or_404(share_id: int):
    share = scheduled.own_api_share(membership=g.membership, share_id=share_id)
    if share is None:
        abort(404)
    return share


def _back():
    return redirect(url_for("scheduled.index", state=request.args.get("state") or None), code=303)


@bp.route("/me/shares")
@member_required
def index():
    state = request.args.get("state")
    state = state if state in scheduled.STATES else None
    page = scheduled.shares_page(membership=g.membership, state=state, page=request.args.get("page", 1, type=int),
                                 per_page=current_app.config["POSTS_PER_PAGE"] * 2)
    published = [share.id for share in page.items if share.status == ShareStatus.PUBLISHED]
    figures = engagement.figures_for_shares(org_id=g.membership.org_id, share_ids=published)
    return render_template("scheduled/index.html", page=page, state=state, states=scheduled.STATES, figures=figures,
                           counts=scheduled.counts(membership=g.membership), confirm_form=ConfirmPostedForm())


@bp.route("/me/shares/<int:share_id>/edit", methods=["GET", "POST"])
@member_required
def edit(share_id: int):
    share = _own_or_404(share_id)
    if share.status != ShareStatus.SCHEDULED:
        flash(_("This share is no longer scheduled, so it cannot be changed."), "warning")
        return _back()
    form = EditScheduledForm()
    problems = {}
    if request.method == "GET":
        form.process(caption=scheduled.editable_caption(share),
                     when=from_utc(share.scheduled_at, current_user.timezone))
    elif form.validate_on_submit():
        with service_call(show=False) as call:  # the page shows each problem at its own place
            scheduled.edit_scheduled(membership=g.membership, share=share, caption=form.caption.data or "",
                                     at=form.to_utc(current_user.timezone))
        if call.ok:
            flash(_("Saved: it goes out %(when)s.", when=member_time(share.scheduled_at)), "success")
            return _back()
        problems = call.error.field_errors
    errors = form.error_map(problems)
    return render_template("scheduled/edit.html", share=share, form=form, errors=errors,
                           added=scheduled.added_length(share)), 422 if errors else 200


def _act(share_id: int, action, done: str, **kwargs):
    share = _own_or_404(share_id)
    with service_call() as call:
        action(share=share, **kwargs)
    if call.ok:
        flash(done, "success")
    return _back()


@bp.route("/me/shares/<int:share_id>/cancel", methods=["POST"])
@member_required
def cancel(share_id: int):
    return _act(share_id, linked_shares.cancel_share, _("Canceled: it will not go out."))


@bp.route("/me/shares/<int:share_id>/confirm", methods=["POST"])
@member_required
def confirm(share_id: int):
    form = ConfirmPostedForm()
    if not form.validate_on_submit():
        _own_or_404(share_id)
        for message in form.url.errors:
            flash(message, "error")
        return _back()
    return _act(share_id, linked_shares.confirm_unconfirmed, _("Thanks: it is marked as published."),
                url=form.url.data or None)


@bp.route("/me/shares/<int:share_id>/discard", methods=["POST"])
@member_required
def discard(share_id: int):
    return _act(share_id, linked_shares.discard_unconfirmed,
                _("Marked as not posted. It is not sent again by itself: share the post anew if you like."))
