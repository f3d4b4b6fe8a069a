"""The promoter community (blueprint "community"): the overview page and what the idea board, polls and
discussions views share. Their routes live in web/ideas.py, web/polls.py and web/discussions.py, which
add them to this blueprint when web/__init__.py imports them (this module imports none of them)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request
from flask_babel import format_datetime
from flask_login import current_user

from ..extensions import db
from ..forms.community import idea_status_labels
from ..forms.content import from_utc
from ..models import utcnow
from ..services.community import discussions, moderation
from ..services.community import ideas as idea_service
from ..services.community import polls as poll_service
from ..services.community.participation import is_staff
from .context import member_required
from .service_call import service_call

bp = Blueprint("community", __name__, url_prefix="/community")
PER_PAGE = 20


@bp.context_processor
def _helpers():
    def local(value) -> str:
        tz = current_user.timezone or "UTC"
        return format_datetime(from_utc(value, tz), "short", rebase=False) if value else ""

    def author(membership) -> str:
        return membership.user.display_name if membership is not None else ""

    membership = getattr(g, "membership", None)  # error pages may render before it is known
    staff = membership is not None and is_staff(membership)
    return {"local": local, "author": author, "is_staff": staff, "idea_statuses": idea_status_labels(),
            "open_reports": moderation.count_open_reports(org=g.org) if staff else 0}


def page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def flash_errors(errors: dict) -> None:
    for message in errors.values():
        flash(str(message), "error")


def run_action(action, *, done, back: str):
    """Run a service action for a POST: commit and say `done` (a message, or a function of the action's
    result), or roll back and say what was wrong; then go `back`."""
    try:
        with service_call() as call:
            result = action()
    except PermissionError:  # rolled back by service_call
        abort(403)
    if call.ok:
        flash(done(result) if callable(done) else done, "success")
    return redirect(back)


def save_form(form, action, *, template: str, **context):
    """Validate `form`, run `action()` (which returns the redirect target) and commit; on bad input roll
    back and show the messages next to the fields (HTTP 400)."""
    if form.validate_on_submit():
        with service_call(form, on_form=True) as call:
            target = action()
        if call.ok:
            return redirect(target)
    status = 400 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status


@bp.route("")
@member_required
def index():
    top_ideas = db.session.scalars(idea_service.idea_query(org=g.org, sort="votes").limit(5)).all()
    now = utcnow()
    open_polls = [p for p in poll_service.poll_page(org=g.org, page=1, per_page=5, now=now).items
                  if not p.is_closed(now)]
    topics = discussions.topic_page(org=g.org, page=1, per_page=5).items
    return render_template("community/index.html", ideas=top_ideas, polls=open_polls, topics=topics,
                           votes=idea_service.vote_counts(i.id for i in top_ideas))
