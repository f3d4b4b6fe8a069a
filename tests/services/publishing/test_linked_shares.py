"""Creating API shares, the member's queue, and cancel / confirm / discard."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import PointsEntry, Share, utcnow
from ambassador.services.community import points
from ambassador.services.publishing import linked_shares
from ambassador.services.publishing.linked_shares import PublishError

from .fakes import account


@pytest.fixture
def org(member):
    return member.organization


def test_create_builds_the_final_text_and_a_scheduled_row(db, network, member, post):
    acct = account(db, member, "x")
    share = linked_shares.create_api_share(membership=member, post=post, account=acct, caption="  Launch day ")
    code = share.tracked_link.code
    assert share.caption == f"Launch day #launch #employee http://localhost/s/{code}"
    assert (share.method, share.status, share.network, share.account_id) == ("api", "scheduled", "x", acct.id)
    assert share.next_attempt_at == share.scheduled_at and abs(share.scheduled_at - utcnow()) < timedelta(seconds=5)
    assert len(share.idempotency_key) == 32 and share.attempts == 0 and not share.auto
    assert points.balance(member.id) == 0  # points only once it is published


def test_caption_none_takes_the_curators_caption_and_a_time_is_kept(db, network, member, post):
    at = utcnow() + timedelta(days=1)
    share = linked_shares.create_api_share(membership=member, post=post, account=account(db, member), caption=None,
                                           at=at)
    assert share.caption.startswith("We launched! #launch #employee http://localhost/s/")
    assert share.scheduled_at == share.next_attempt_at == at


def test_second_active_share_of_the_same_post_and_account_is_refused(db, network, member, post):
    acct = account(db, member)
    first = linked_shares.create_api_share(membership=member, post=post, account=acct, caption="One")
    with pytest.raises(PublishError, match="already scheduled or shared"):
        linked_shares.create_api_share(membership=member, post=post, account=acct, caption="Two")
    linked_shares.cancel_share(share=first)
    again = linked_shares.create_api_share(membership=member, post=post, account=acct, caption="Two")
    assert again.status == "scheduled"
    # another account of the same member is another share
    assert linked_shares.create_api_share(membership=member, post=post, account=account(db, member), caption="x")


def test_too_long_for_the_network_is_refused_with_the_counts(db, network, member, post):
    with pytest.raises(PublishError, match="Too long for X"):
        linked_shares.create_api_share(membership=member, post=post, account=account(db, member, "x"),
                                       caption="a" * 280)
    assert db.session.scalar(sa.select(sa.func.count(Share.id))) == 0


@pytest.mark.parametrize("problem", ["other_member", "needs_reconnect", "other_org", "expired_post", "draft_post"])
def test_refusals_write_nothing(db, make, network, org, member, post, problem):
    acct = account(db, member)
    if problem == "other_member":
        acct = account(db, make.member(org))
    elif problem == "needs_reconnect":
        acct.status = "needs_reconnect"
    elif problem == "other_org":
        acct = account(db, make.member(make.org()))
    elif problem == "expired_post":
        post.expires_at = utcnow() - timedelta(minutes=1)
    else:
        post.status = "draft"
    db.session.flush()
    with pytest.raises(PublishError):
        linked_shares.create_api_share(membership=member, post=post, account=acct, caption="Hi")
    assert db.session.scalar(sa.select(sa.func.count(Share.id))) == 0


def test_a_time_after_the_posts_window_is_refused(db, network, member, post):
    post.expires_at = utcnow() + timedelta(hours=2)
    with pytest.raises(PublishError, match="only be shared until"):
        linked_shares.create_api_share(membership=member, post=post, account=account(db, member), caption="Hi",
                                    at=utcnow() + timedelta(hours=3))


def test_unconfigured_network_is_refused(db, monkeypatch, network, member, post):
    from ambassador.providers import registry

    monkeypatch.setattr(registry, "enabled", lambda config=None: {})
    with pytest.raises(PublishError, match="not available"):
        linked_shares.create_api_share(membership=member, post=post, account=account(db, member), caption="Hi")


def test_next_queue_slot_uses_the_members_zone_and_skips_taken_slots(db, network, member, make, org, post):
    member.user.timezone = "Europe/Brussels"
    member.queue_times = "17:45, 08:30,nonsense"
    now = datetime(2025, 1, 15, 10, 0)  # 11:00 in Brussels (UTC+1)
    assert linked_shares.next_queue_slot(membership=member, now=now) == datetime(2025, 1, 15, 16, 45)
    acct = account(db, member)
    share = linked_shares.create_api_share(membership=member, post=post, account=acct, caption="Hi",
                                        at=utcnow() + timedelta(days=1))
    share.scheduled_at = datetime(2025, 1, 15, 16, 45)  # the 17:45 slot is taken
    db.session.flush()
    assert linked_shares.next_queue_slot(membership=member, now=now) == datetime(2025, 1, 16, 7, 30)
    share.status = "canceled"  # a canceled share frees its slot
    db.session.flush()
    assert linked_shares.next_queue_slot(membership=member, now=now) == datetime(2025, 1, 15, 16, 45)


def test_next_queue_slot_follows_daylight_saving_and_defaults(db, member):
    member.user.timezone = "Europe/Brussels"
    member.queue_times = ""
    summer = datetime(2025, 7, 1, 20, 0)  # 22:00 in Brussels (UTC+2): next is 08:30 tomorrow
    assert linked_shares.next_queue_slot(membership=member, now=summer) == datetime(2025, 7, 2, 6, 30)


def test_cancel_only_while_scheduled(db, network, member, post):
    share = linked_shares.create_api_share(membership=member, post=post, account=account(db, member), caption="Hi")
    linked_shares.cancel_share(share=share)
    assert share.status == "canceled"
    with pytest.raises(PublishError, match="still waiting"):
        linked_shares.cancel_share(share=share)
    other = linked_shares.create_api_share(membership=member, post=post, account=account(db, member), caption="Hi")
    other.status = "publishing"  # a worker holds it
    db.session.flush()
    with pytest.raises(PublishError):
        linked_shares.cancel_share(share=other)
    assert other.status == "publishing"


def test_confirm_unconfirmed_publishes_and_awards_points_once(db, network, member, post):
    share = linked_shares.create_api_share(membership=member, post=post, account=account(db, member), caption="Hi")
    share.status = "unconfirmed"
    db.session.flush()
    with pytest.raises(PublishError, match="https://"):
        linked_shares.confirm_unconfirmed(share=share, url="javascript:alert(1)")
    linked_shares.confirm_unconfirmed(share=share, url="https://linkedin.example/p/1")
    assert (share.status, share.external_url) == ("published", "https://linkedin.example/p/1")
    assert share.published_at is not None and points.balance(member.id) == 5
    with pytest.raises(PublishError):
        linked_shares.confirm_unconfirmed(share=share)
    assert db.session.scalar(sa.select(sa.func.count(PointsEntry.id))) == 1


def test_discard_unconfirmed_fails_it_for_good(db, network, member, post):
    share = linked_shares.create_api_share(membership=member, post=post, account=account(db, member), caption="Hi")
    with pytest.raises(PublishError):
        linked_shares.discard_unconfirmed(share=share)  # still scheduled
    share.status = "unconfirmed"
    db.session.flush()
    linked_shares.discard_unconfirmed(share=share)
    assert (share.status, share.error) == ("failed", "discarded by you")
    assert points.balance(member.id) == 0
