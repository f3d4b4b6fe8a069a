"""Idea board views: list (sort, status filter, pages), post, vote (toggle), comment, staff status, image."""
from __future__ import annotations

from flask import abort, flash, g, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ..forms.community import CommentForm, IdeaForm, IdeaStatusForm
from ..infra import uploads
from ..models import Idea, Role
from ..models.community import IDEA_STATUSES
from ..services.community import ideas as idea_service
from .community import PER_PAGE, bp, page_number, run_action, save_form
from .context import member_required, role_required, scoped_or_404


@bp.route("/ideas")
@member_required
def ideas():
    sort = request.args.get("sort") if request.args.get("sort") in idea_service.SORTS else "votes"
    status = request.args.get("status") if request.args.get("status") in IDEA_STATUSES else None
    page = idea_service.idea_page(org=g.org, page=page_number(), per_page=PER_PAGE, sort=sort, status=status)
    ids = [idea.id for idea in page.items]
    return render_template("community/ideas.html", page=page, sort=sort, status=status,
                           votes=idea_service.vote_counts(ids), comments=idea_service.comment_counts(ids),
                           voted=idea_service.voted_ideas(membership=g.membership, idea_ids=ids))


@bp.route("/ideas/new", methods=["GET", "POST"])
@member_required
def new_idea():
    form = IdeaForm()

    def create():
        idea = idea_service.create_idea(org=g.org, membership=g.membership, title=form.title.data,
                                        body=form.body.data, image=form.image.data or None)
        flash(_("Thank you! Your idea is on the board."), "success")
        return url_for("community.idea", idea_id=idea.id)

    return save_form(form, create, template="community/idea_form.html")


def _render_idea(idea: Idea, comment_form=None, status_form=None, code: int = 200):
    status_form = status_form or IdeaStatusForm(status=idea.status, reply=idea.staff_reply)
    return render_template("community/idea.html", idea=idea, comment_form=comment_form or CommentForm(),
                           status_form=status_form, votes=idea_service.vote_counts([idea.id])[idea.id],
                           voted=bool(idea_service.voted_ideas(membership=g.membership, idea_ids=[idea.id]))), code


@bp.route("/ideas/<int:idea_id>")
@member_required
def idea(idea_id: int):
    return _render_idea(scoped_or_404(Idea, idea_id))


@bp.route("/ideas/<int:idea_id>/vote", methods=["POST"])
@member_required
def vote(idea_id: int):
    item = scoped_or_404(Idea, idea_id)
    if request.form.get("next") == "list":  # back to the same sort, filter and page
        back = url_for("community.ideas", **request.args)
    else:
        back = url_for("community.idea", idea_id=item.id)
    return run_action(lambda: idea_service.toggle_vote(org=g.org, membership=g.membership, idea=item),
                      done=lambda voted: _("Your vote is counted.") if voted else _("Your vote is taken back."),
                      back=f"{back}#idea-{item.id}")


@bp.route("/ideas/<int:idea_id>/comments", methods=["POST"])
@member_required
def comment(idea_id: int):
    item = scoped_or_404(Idea, idea_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_idea(item, comment_form=form, code=400)
    return run_action(lambda: idea_service.add_comment(idea=item, membership=g.membership, body=form.body.data),
                      done=_("Your comment is posted."), back=url_for("community.idea", idea_id=item.id) + "#comments")


@bp.route("/ideas/<int:idea_id>/status", methods=["POST"])
@role_required(Role.MANAGER)
def set_status(idea_id: int):
    item = scoped_or_404(Idea, idea_id)
    form = IdeaStatusForm()
    if not form.validate_on_submit():
        return _render_idea(item, status_form=form, code=400)
    return run_action(lambda: idea_service.set_status(idea=item, membership=g.membership, status=form.status.data,
                                                      reply=form.reply.data),
                      done=_("The idea's status is saved."), back=url_for("community.idea", idea_id=item.id))


@bp.route("/ideas/<int:idea_id>/image")
@member_required
def idea_image(idea_id: int):
    item = scoped_or_404(Idea, idea_id)
    path = uploads.absolute_path(item.image_path) if item.image_path else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype=uploads.mimetype_for(item.image_path), max_age=3600, conditional=True)
    response.cache_control.public = False
    response.cache_control.private = True
    return response
