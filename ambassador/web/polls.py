"""Poll views: list, create (curators and above), vote once, close, results when the poll allows them."""
from __future__ import annotations

from flask import flash, g, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms.community import BallotForm, PollForm
from ..models import Poll, utcnow
from ..services.community import polls as poll_service
from .community import PER_PAGE, bp, flash_errors, page_number, run_action, save_form
from .context import member_required, role_required, scoped_or_404

curator_required = role_required(poll_service.CREATOR_ROLE)


@bp.route("/polls")
@member_required
def polls():
    page = poll_service.poll_page(org=g.org, page=page_number(), per_page=PER_PAGE)
    return render_template("community/polls.html", page=page, now=utcnow(),
                           voted=poll_service.voted_polls(membership=g.membership, poll_ids=[p.id for p in page.items]))


@bp.route("/polls/new", methods=["GET", "POST"])
@curator_required
def new_poll():
    form = PollForm()

    def create():
        data = form.to_input(current_user.timezone or g.org.timezone)
        poll = poll_service.create_poll(org=g.org, membership=g.membership, data=data)
        flash(_("The poll is open: members can vote."), "success")
        return url_for("community.poll", poll_id=poll.id)

    return save_form(form, create, template="community/poll_form.html")


def _render_poll(poll: Poll, form: BallotForm | None = None, code: int = 200):
    now = utcnow()
    ballot = poll_service.ballot_of(poll=poll, membership=g.membership)
    show = poll_service.can_see_results(poll=poll, membership=g.membership, has_voted=ballot is not None, now=now)
    rows, ballots = poll_service.results(poll=poll) if show else ([], 0)
    return render_template("community/poll.html", poll=poll, form=form or BallotForm(), ballot=ballot,
                           closed=poll.is_closed(now), rows=rows, ballots=ballots, show_results=show,
                           chosen={c.option_id for c in ballot.choices} if ballot else set()), code


@bp.route("/polls/<int:poll_id>")
@member_required
def poll(poll_id: int):
    return _render_poll(scoped_or_404(Poll, poll_id))


@bp.route("/polls/<int:poll_id>/vote", methods=["POST"])
@member_required
def vote_poll(poll_id: int):
    item = scoped_or_404(Poll, poll_id)
    form = BallotForm()
    if not form.validate_on_submit():
        flash_errors({"option": _("Choose an option.")})
        return _render_poll(item, form, code=400)
    return run_action(lambda: poll_service.cast_ballot(org=g.org, membership=g.membership, poll=item,
                                                       option_ids=form.option.data),
                      done=_("Thank you, your vote is counted."), back=url_for("community.poll", poll_id=item.id))


@bp.route("/polls/<int:poll_id>/close", methods=["POST"])
@curator_required
def close_poll(poll_id: int):
    item = scoped_or_404(Poll, poll_id)
    return run_action(lambda: poll_service.close_poll(poll=item), done=_("The poll is closed."),
                      back=url_for("community.poll", poll_id=item.id))
