"""The idea board: members post ideas and upvote them (once each), comment; staff set a status and reply.

Voting is a toggle: voting again takes the vote back. The vote's points are paid once per idea and
member (a fixed ledger ref), so voting, un-voting and voting again never pays twice.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...infra import uploads
from ...models import Idea, IdeaComment, IdeaStatus, IdeaVote, Membership, Organization, utcnow
from ...models.community import IDEA_STATUSES
from ..hooks import endpoints as hooks
from .participation import CommunityError, award, clean_text, insert_once, require_staff

SORTS = ("votes", "newest")
# Done and declined ideas are settled: their votes are frozen.
SETTLED = (IdeaStatus.DONE, IdeaStatus.DECLINED)
TITLE_MAX, BODY_MAX, COMMENT_MAX, REPLY_MAX = 160, 5000, 2000, 2000


def _votes_of_idea():
    return (sa.select(sa.func.count(IdeaVote.id)).where(IdeaVote.idea_id == Idea.id)
            .correlate(Idea).scalar_subquery())


def idea_query(*, org: Organization, sort: str = "votes", status: str | None = None) -> sa.Select:
    query = sa.select(Idea).where(Idea.org_id == org.id)
    if status:
        query = query.where(Idea.status == status)
    if sort == "newest":
        return query.order_by(Idea.created_at.desc(), Idea.id.desc())
    return query.order_by(_votes_of_idea().desc(), Idea.created_at.desc(), Idea.id.desc())


def idea_page(*, org: Organization, page: int, per_page: int, sort: str = "votes", status: str | None = None):
    return db.paginate(idea_query(org=org, sort=sort, status=status), page=page, per_page=per_page, error_out=False)


def _counts(model, idea_ids) -> dict[int, int]:
    ids = list(idea_ids)
    if not ids:
        return {}
    rows = db.session.execute(sa.select(model.idea_id, sa.func.count(model.id))
                              .where(model.idea_id.in_(ids)).group_by(model.idea_id))
    return {idea_id: 0 for idea_id in ids} | dict(rows.tuples().all())


def vote_counts(idea_ids) -> dict[int, int]:
    return _counts(IdeaVote, idea_ids)


def comment_counts(idea_ids) -> dict[int, int]:
    return _counts(IdeaComment, idea_ids)


def voted_ideas(*, membership: Membership, idea_ids) -> set[int]:
    ids = list(idea_ids)
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(IdeaVote.idea_id).where(
        IdeaVote.membership_id == membership.id, IdeaVote.idea_id.in_(ids))))


def create_idea(*, org: Organization, membership: Membership, title: str, body: str, image=None) -> Idea:
    """A new idea (status "new"); the image, if any, is checked and stored; the author earns idea points."""
    title = clean_text(title, field="title", max_length=TITLE_MAX, single_line=True)
    body = clean_text(body, field="body", max_length=BODY_MAX, required=False)
    image_path = None
    if image:
        try:
            image_path = uploads.store_image(image, folder=f"org-{org.id}/ideas").path
        except uploads.UploadError as exc:
            raise CommunityError({"image": str(exc)}) from exc
    idea = Idea(org_id=org.id, author_id=membership.id, title=title, body=body, image_path=image_path)
    db.session.add(idea)
    db.session.flush()
    award(org=org, membership=membership, reason="idea", ref=f"idea:{idea.id}")
    hooks.emit(org.id, "idea.submitted", {"idea_id": idea.id, "title": idea.title, "member_id": membership.id})
    return idea


def toggle_vote(*, org: Organization, membership: Membership, idea: Idea) -> bool:
    """Vote for the idea, or take the vote back; returns whether the member's vote now counts."""
    if idea.status in SETTLED:
        raise CommunityError({"": _l("Voting is closed: this idea is settled.")})
    existing = db.session.scalar(sa.select(IdeaVote).where(IdeaVote.idea_id == idea.id,
                                                           IdeaVote.membership_id == membership.id))
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
        return False
    insert_once(IdeaVote(idea_id=idea.id, membership_id=membership.id),
                duplicate=CommunityError({"": _l("Your vote for this idea is already counted.")}))
    award(org=org, membership=membership, reason="vote", ref=f"idea-vote:{idea.id}:{membership.id}")
    return True


def add_comment(*, idea: Idea, membership: Membership, body: str) -> IdeaComment:
    body = clean_text(body, field="body", max_length=COMMENT_MAX)
    comment = IdeaComment(idea_id=idea.id, author_id=membership.id, body=body)
    db.session.add(comment)
    db.session.flush()
    return comment


def set_status(*, idea: Idea, membership: Membership, status: str, reply: str) -> Idea:
    """Staff only: the idea's status and the public reply shown on it (an empty reply removes it)."""
    require_staff(membership)
    if status not in IDEA_STATUSES:
        raise CommunityError({"status": _l("Choose one of the statuses.")})
    reply = clean_text(reply, field="reply", max_length=REPLY_MAX, required=False)
    if reply != idea.staff_reply:
        idea.replied_by_id, idea.replied_at = (membership.id, utcnow()) if reply else (None, None)
    idea.status, idea.staff_reply = status, reply
    db.session.flush()
    return idea
