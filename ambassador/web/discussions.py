"""Discussion views: topics (pinned first), threads with replies, pins, and moderation (hide, report, queue)."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..forms.community import ReasonForm, ReplyForm, TopicForm
from ..models import Message, MessageReport, Role, Topic
from ..services.community import discussions, moderation
from .community import PER_PAGE, bp, flash_errors, page_number, run_action, save_form
from .context import member_required, role_required, scoped_or_404

staff_required = role_required(Role.MANAGER)
MESSAGES_PER_PAGE = 50


@bp.route("/topics")
@member_required
def topics():
    page = discussions.topic_page(org=g.org, page=page_number(), per_page=PER_PAGE)
    return render_template("community/topics.html", page=page,
                           replies=discussions.reply_counts(t.id for t in page.items))


@bp.route("/topics/new", methods=["GET", "POST"])
@member_required
def new_topic():
    form = TopicForm()

    def create():
        topic = discussions.create_topic(org=g.org, membership=g.membership, title=form.title.data,
                                         body=form.body.data)
        flash(_("Your topic is started."), "success")
        return url_for("community.topic", topic_id=topic.id)

    return save_form(form, create, template="community/topic_form.html")


def _render_topic(topic: Topic, form: ReplyForm | None = None, code: int = 200):
    page = discussions.message_page(topic=topic, page=page_number(), per_page=MESSAGES_PER_PAGE)
    reported = moderation.reported_by(membership=g.membership, message_ids=[m.id for m in page.items])
    return render_template("community/topic.html", topic=topic, page=page, form=form or ReplyForm(),
                           reported=reported), code


@bp.route("/topics/<int:topic_id>")
@member_required
def topic(topic_id: int):
    return _render_topic(scoped_or_404(Topic, topic_id))


@bp.route("/topics/<int:topic_id>/reply", methods=["POST"])
@member_required
def reply(topic_id: int):
    item = scoped_or_404(Topic, topic_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _render_topic(item, form, code=400)
    return run_action(lambda: discussions.reply(topic=item, membership=g.membership, body=form.body.data),
                      done=_("Your reply is posted."), back=_last_page(item))


def _last_page(topic: Topic) -> str:
    """Where the reply about to be posted will be: the thread's last page."""
    number = discussions.reply_counts([topic.id])[topic.id] + 2
    page = (number - 1) // MESSAGES_PER_PAGE + 1
    return url_for("community.topic", topic_id=topic.id, page=page if page > 1 else None) + "#reply"


@bp.route("/topics/<int:topic_id>/pin", methods=["POST"])
@staff_required
def pin(topic_id: int):
    item = scoped_or_404(Topic, topic_id)
    pinned = not item.pinned
    return run_action(lambda: discussions.set_pinned(topic=item, membership=g.membership, pinned=pinned),
                      done=_("The topic is pinned.") if pinned else _("The topic is no longer pinned."),
                      back=url_for("community.topic", topic_id=item.id))


def _message_url(message: Message) -> str:
    number = discussions.position(message=message)
    page = (number - 1) // MESSAGES_PER_PAGE + 1
    return url_for("community.topic", topic_id=message.topic_id, page=page if page > 1 else None) + \
        f"#message-{message.id}"


def _with_reason(action, *, done: str, back: str):
    """Hide and report need a reason: without one nothing changes and the person is told why."""
    form = ReasonForm()
    if not form.validate_on_submit():
        flash_errors({"reason": _("Give a reason (at most 300 characters).")})
        return redirect(back)
    return run_action(lambda: action(form.reason.data), done=done, back=back)


@bp.route("/messages/<int:message_id>/report", methods=["POST"])
@member_required
def report(message_id: int):
    item = scoped_or_404(Message, message_id)
    return _with_reason(lambda reason: moderation.report_message(message=item, membership=g.membership, reason=reason),
                        done=_("Thank you: a moderator will look at this message."), back=_message_url(item))


def _moderation_back(message: Message) -> str:
    return url_for("community.reports") if request.form.get("next") == "reports" else _message_url(message)


@bp.route("/messages/<int:message_id>/hide", methods=["POST"])
@staff_required
def hide(message_id: int):
    item = scoped_or_404(Message, message_id)
    return _with_reason(lambda reason: moderation.hide_message(message=item, moderator=g.membership, reason=reason),
                        done=_("The message is hidden."), back=_moderation_back(item))


@bp.route("/messages/<int:message_id>/show", methods=["POST"])
@staff_required
def show(message_id: int):
    item = scoped_or_404(Message, message_id)
    return run_action(lambda: moderation.show_message(message=item, moderator=g.membership),
                      done=_("The message is visible again."), back=_message_url(item))


@bp.route("/reports")
@staff_required
def reports():
    return render_template("community/reports.html", queue=moderation.open_reports_by_message(org=g.org))


@bp.route("/reports/<int:report_id>/dismiss", methods=["POST"])
@staff_required
def dismiss(report_id: int):
    item = scoped_or_404(MessageReport, report_id)
    return run_action(lambda: moderation.dismiss_report(report=item, moderator=g.membership),
                      done=_("The report is dismissed; the message stays visible."),
                      back=url_for("community.reports"))
