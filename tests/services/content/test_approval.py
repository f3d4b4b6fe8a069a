"""Post lifecycle: who may publish, approve, send back and archive, and what each does."""
import pytest

from ambassador.services.content import approval
from ambassador.services.content.approval import ApprovalError


@pytest.fixture
def setup(make):
    def build(require=True, status="draft"):
        org = make.org(posts_require_approval=require)
        post = make.post(make.campaign(org), status=status, published_at=None)
        roles = {role: make.member(org, role=role) for role in ("ambassador", "curator", "manager", "admin")}
        return org, post, roles
    return build


def test_curator_publish_needs_review_when_required(setup):
    org, post, m = setup(require=True)
    assert approval.publish(post=post, membership=m["curator"], org=org) == "pending_approval"
    assert post.published_at is None and post.reviewed_by_id is None


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_manager_publish_is_immediate_even_when_required(setup, role):
    org, post, m = setup(require=True)
    assert approval.publish(post=post, membership=m[role], org=org) == "approved"
    assert post.published_at is not None and post.reviewed_by_id == m[role].user_id


def test_publish_without_approval_is_immediate(setup):
    org, post, m = setup(require=False)
    assert approval.publish(post=post, membership=m["curator"], org=org) == "approved"
    assert post.published_at is not None


def test_ambassador_may_not_publish(setup):
    org, post, m = setup()
    with pytest.raises(ApprovalError):
        approval.publish(post=post, membership=m["ambassador"], org=org)
    assert post.status == "draft"


def test_inactive_manager_may_not_approve(setup):
    org, post, m = setup(status="pending_approval")
    m["manager"].status = "deactivated"
    with pytest.raises(ApprovalError):
        approval.approve(post=post, membership=m["manager"])


def test_approve_sets_published_and_reviewer_and_clears_comment(setup):
    org, post, m = setup(status="pending_approval")
    post.review_comment = "old comment"
    with pytest.raises(ApprovalError):
        approval.approve(post=post, membership=m["curator"])
    approval.approve(post=post, membership=m["manager"])
    assert post.status == "approved" and post.published_at is not None
    assert post.reviewed_by_id == m["manager"].user_id and post.review_comment == ""


def test_only_pending_posts_can_be_reviewed(setup):
    org, post, m = setup(status="draft")
    with pytest.raises(ApprovalError):
        approval.approve(post=post, membership=m["manager"])
    with pytest.raises(ApprovalError):
        approval.request_changes(post=post, membership=m["manager"], comment="no")


def test_send_back_needs_comment_then_resubmit(setup):
    org, post, m = setup(status="pending_approval")
    with pytest.raises(ApprovalError):
        approval.request_changes(post=post, membership=m["manager"], comment="   ")
    with pytest.raises(ApprovalError):
        approval.request_changes(post=post, membership=m["curator"], comment="change it")
    approval.request_changes(post=post, membership=m["manager"], comment="  Fix the title  ")
    assert post.status == "changes_requested" and post.review_comment == "Fix the title"
    assert approval.publish(post=post, membership=m["curator"], org=org) == "pending_approval"


def test_membership_of_another_org_may_do_nothing(setup, make):
    org, post, m = setup(status="pending_approval")
    stranger = make.member(make.org(), role="admin")
    for call in (lambda: approval.approve(post=post, membership=stranger),
                 lambda: approval.archive(post=post, membership=stranger),
                 lambda: approval.publish(post=post, membership=stranger, org=org)):
        with pytest.raises(ApprovalError):
            call()
    assert post.status == "pending_approval"


def test_approved_post_cannot_be_published_again(setup):
    org, post, m = setup(status="approved")
    with pytest.raises(ApprovalError):
        approval.publish(post=post, membership=m["manager"], org=org)


def test_curator_edit_of_approved_post_goes_back_to_review(setup):
    org, post, m = setup(require=True, status="approved")
    assert approval.after_edit(post=post, membership=m["manager"], org=org) is False
    assert post.status == "approved"
    assert approval.after_edit(post=post, membership=m["curator"], org=org) is True
    assert post.status == "pending_approval"


def test_archive_and_restore_as_draft(setup):
    org, post, m = setup(require=False, status="approved")
    with pytest.raises(ApprovalError):
        approval.archive(post=post, membership=m["ambassador"])
    approval.archive(post=post, membership=m["curator"])
    assert post.status == "archived"
    with pytest.raises(ApprovalError):
        approval.archive(post=post, membership=m["curator"])
    approval.restore(post=post, membership=m["curator"])
    assert post.status == "draft" and post.published_at is None


def test_pending_queue_is_scoped_and_oldest_first(setup, make):
    org, post, m = setup(status="pending_approval")
    newer = make.post(post.campaign, status="pending_approval")
    make.post(post.campaign, status="draft")
    make.post(make.campaign(make.org()), status="pending_approval")
    assert [p.id for p in approval.pending(org=org)] == [post.id, newer.id]
