"""A post's lifecycle: draft → (pending_approval ⇄ changes_requested →) approved → archived.

Ambassadors only ever see "approved" posts; `published_at` is set when a post is approved.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import ServiceError
from ...extensions import db
from ...models import Membership, Organization, Post, PostStatus, Role, utcnow
from ..audit import actions as audit_actions
from ..audit.log import Origin, record

EDITABLE = (PostStatus.DRAFT, PostStatus.CHANGES_REQUESTED, PostStatus.PENDING_APPROVAL, PostStatus.APPROVED)


class ApprovalError(ServiceError):
    """A transition the post's status or the person's role does not allow."""

    code = "approval"
    status = 409


def _require(membership: Membership, post: Post, role: str) -> None:
    if membership.org_id != post.org_id or not membership.has_role(role):
        raise ApprovalError(_l("You may not do that."))


def _approve(post: Post, membership: Membership) -> None:
    post.status = PostStatus.APPROVED
    post.published_at = post.published_at or utcnow()
    post.reviewed_by_id = membership.user_id
    post.review_comment = ""


def needs_review(*, org: Organization, membership: Membership) -> bool:
    """Does a publish by this person go to the review queue (instead of straight out)?"""
    return bool(org.posts_require_approval) and not membership.has_role(Role.MANAGER)


def publish(*, post: Post, membership: Membership, org: Organization) -> str:
    """A curator's "publish": approved at once, or pending a manager's review. Returns the new status."""
    _require(membership, post, "curator")
    if post.status not in (PostStatus.DRAFT, PostStatus.CHANGES_REQUESTED, PostStatus.PENDING_APPROVAL):
        raise ApprovalError(_l("Only a draft or a post sent back can be published."))
    if needs_review(org=org, membership=membership):
        post.status = PostStatus.PENDING_APPROVAL
    else:
        _approve(post, membership)
    db.session.flush()
    return post.status


def approve(*, post: Post, membership: Membership, origin: Origin | None = None) -> None:
    _require(membership, post, "manager")
    if post.status != PostStatus.PENDING_APPROVAL:
        raise ApprovalError(_l("Only a post waiting for review can be approved."))
    _approve(post, membership)
    _audit(audit_actions.POST_APPROVED, post, membership, origin)
    db.session.flush()


def _audit(action: str, post: Post, membership: Membership, origin: Origin | None, details=None) -> None:
    record(action, org_id=post.org_id, actor=membership.user, origin=origin, target_type="post",
           target_id=post.id, target_label=post.title, details=details)


def request_changes(*, post: Post, membership: Membership, comment: str, origin: Origin | None = None) -> None:
    _require(membership, post, "manager")
    if post.status != PostStatus.PENDING_APPROVAL:
        raise ApprovalError(_l("Only a post waiting for review can be sent back."))
    comment = (comment or "").strip()
    if not comment:
        raise ApprovalError(_l("Tell the curator what to change."))
    post.status = PostStatus.CHANGES_REQUESTED
    post.review_comment = comment[:4000]
    post.reviewed_by_id = membership.user_id
    _audit(audit_actions.POST_REJECTED, post, membership, origin, {"comment": comment[:500]})
    db.session.flush()


def after_edit(*, post: Post, membership: Membership, org: Organization) -> bool:
    """An approved post edited by someone who needs review goes back to the review queue (True)."""
    if post.status == PostStatus.APPROVED and needs_review(org=org, membership=membership):
        post.status = PostStatus.PENDING_APPROVAL
        db.session.flush()
        return True
    return False


def archive(*, post: Post, membership: Membership) -> None:
    _require(membership, post, "curator")
    if post.status == PostStatus.ARCHIVED:
        raise ApprovalError(_l("This post is archived already."))
    post.status = PostStatus.ARCHIVED
    db.session.flush()


def restore(*, post: Post, membership: Membership) -> None:
    """An archived post comes back as a draft, to be published again."""
    _require(membership, post, "curator")
    if post.status != PostStatus.ARCHIVED:
        raise ApprovalError(_l("Only an archived post can be restored."))
    post.status = PostStatus.DRAFT
    post.published_at = None  # published again later, it is new in the feed then
    db.session.flush()


def pending(*, org: Organization) -> list[Post]:
    """The review queue: oldest first, so nobody waits longest."""
    return list(db.session.scalars(
        sa.select(Post).where(Post.org_id == org.id, Post.status == PostStatus.PENDING_APPROVAL)
        .order_by(Post.updated_at, Post.id)))


def pending_count(*, org: Organization) -> int:
    """How many posts wait for a manager's review (the Review menu's count): one indexed count."""
    return db.session.scalar(sa.select(sa.func.count(Post.id)).where(
        Post.org_id == org.id, Post.status == PostStatus.PENDING_APPROVAL)) or 0
