"""What the feed card says a member did with a post: networks, when, points earned or to come; and the feed's
"not shared yet first" order."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.extensions import db as _db
from ambassador.models import Share, utcnow
from ambassador.services.publishing import feed, linked_shares, settled_shares, share_state, sharing

from ...web.account_shares_data import link_account


@pytest.fixture
def org(make):
    return make.org(disclosure="#employee", points_share=5, daily_share_points_cap=100)


@pytest.fixture
def member(make, org):
    return make.member(org)


@pytest.fixture
def campaign(make, org):
    return make.campaign(org)


def _state(member, post):
    return share_state.share_states(membership=member, post_ids=[post.id])[post.id]


def test_nothing_shared_yet(member, campaign, make):
    post = make.post(campaign)
    state = _state(member, post)
    assert not state.shared and state.shares == [] and state.latest_id == 0


def test_an_intent_share_is_shared_with_its_points_and_time(member, campaign, make):
    post = make.post(campaign)
    result = sharing.share_post(membership=member, post=post, network="linkedin", caption=None)
    state = _state(member, post)
    assert state.shared and state.latest_id == result.share.id
    (only,) = state.shares
    assert (only.network.key, only.state, only.method, only.points, only.will_earn) == (
        "linkedin", "shared", "intent", 5, 0)
    assert only.at == result.share.created_at and only.no_points_reason is None


def test_sharing_again_shows_the_points_once_and_the_newest_share(member, campaign, make):
    post = make.post(campaign)
    sharing.share_post(membership=member, post=post, network="x", caption=None)
    again = sharing.share_post(membership=member, post=post, network="x", caption=None)
    (only,) = _state(member, post).shares
    assert only.points == 5 and only.share_id == again.share.id


def test_networks_are_listed_in_the_networks_order_and_facebook_earns_nothing(member, campaign, make):
    post = make.post(campaign)
    for network in ("email", "facebook", "linkedin"):
        sharing.share_post(membership=member, post=post, network=network, caption=None)
    shares = _state(member, post).shares
    assert [s.network.key for s in shares] == ["linkedin", "facebook", "email"]
    facebook = shares[1]
    assert facebook.points == 0 and facebook.no_points_reason == "network"


def test_the_daily_cap_explains_a_share_without_points(make, campaign, org, member):
    org.daily_share_points_cap = 5
    first, second = make.post(campaign), make.post(campaign)
    sharing.share_post(membership=member, post=first, network="x", caption=None)
    sharing.share_post(membership=member, post=second, network="x", caption=None)
    (capped,) = _state(member, second).shares
    assert capped.points == 0 and capped.no_points_reason == "cap"


def test_a_scheduled_api_share_is_planned_and_will_earn_the_points(db, make, campaign, member):
    post = make.post(campaign)
    account = link_account(db, member, "mastodon")
    at = utcnow() + timedelta(hours=3)
    share = linked_shares.create_api_share(membership=member, post=post, account=account, caption=None, at=at)
    (planned,) = _state(member, post).shares
    assert (planned.state, planned.will_earn, planned.points, planned.share_id) == ("planned", 5, 0, share.id)
    assert abs(planned.at - at) < timedelta(seconds=1)
    # Published: it earned them (the rule pays once per member, post and network).
    db.session.execute(sa.update(Share).where(Share.id == share.id).values(status="published", published_at=utcnow()))
    db.session.refresh(share)
    settled_shares.award_published([share])
    (done,) = _state(member, post).shares
    assert (done.state, done.points, done.will_earn) == ("shared", 5, 0)


def test_a_planned_share_after_a_paid_one_will_earn_nothing_more(db, make, campaign, member):
    post = make.post(campaign)
    sharing.share_post(membership=member, post=post, network="mastodon", caption=None)
    account = link_account(db, member, "mastodon")
    linked_shares.create_api_share(membership=member, post=post, account=account, caption=None,
                                   at=utcnow() + timedelta(hours=1))
    (only,) = _state(member, post).shares
    assert only.state == "shared" and only.points == 5  # what left wins over what is planned


@pytest.mark.parametrize("status", ["canceled", "failed"])
def test_canceled_and_failed_shares_do_not_count(db, make, campaign, member, status):
    post = make.post(campaign)
    account = link_account(db, member, "mastodon")
    share = linked_shares.create_api_share(membership=member, post=post, account=account, caption=None,
                                           at=utcnow() + timedelta(hours=1))
    db.session.execute(sa.update(Share).where(Share.id == share.id).values(status=status))
    assert not _state(member, post).shared
    ids = [p.id for p in _db.session.scalars(feed.live_posts(membership=member, order="unshared"))]
    assert ids == [post.id]


def test_unconfirmed_is_its_own_state(db, make, campaign, member):
    post = make.post(campaign)
    account = link_account(db, member, "mastodon")
    share = linked_shares.create_api_share(membership=member, post=post, account=account, caption=None,
                                           at=utcnow() + timedelta(hours=1))
    db.session.execute(sa.update(Share).where(Share.id == share.id).values(status="unconfirmed"))
    (only,) = _state(member, post).shares
    assert only.state == "unconfirmed" and only.will_earn == 5


def test_other_members_and_other_organizations_shares_are_not_mine(make, org, campaign, member):
    post = make.post(campaign)
    colleague = make.member(org)
    sharing.share_post(membership=colleague, post=post, network="x", caption=None)
    assert not _state(member, post).shared
    # The same member id range in another organization cannot leak in: rows are scoped by org and member.
    other_org = make.org(points_share=5)
    stranger = make.member(other_org)
    stranger_post = make.post(make.campaign(other_org))
    sharing.share_post(membership=stranger, post=stranger_post, network="x", caption=None)
    assert not share_state.share_states(membership=member, post_ids=[stranger_post.id])[stranger_post.id].shared


def test_not_shared_yet_first_keeps_newest_first_within_each_group(make, org, campaign, member):
    now = utcnow()
    posts = [make.post(campaign, title=f"P{n}", published_at=now - timedelta(hours=n)) for n in range(4)]
    for shared in (posts[0], posts[2]):
        sharing.share_post(membership=member, post=shared, network="x", caption=None)

    def titles(order):
        return [p.title for p in _db.session.scalars(feed.live_posts(membership=member, order=order))]

    assert titles("newest") == ["P0", "P1", "P2", "P3"]
    assert titles("unshared") == ["P1", "P3", "P0", "P2"]
    # Another member's shares do not move my posts.
    other = make.member(org)
    assert [p.title for p in _db.session.scalars(feed.live_posts(membership=other, order="unshared"))] == [
        "P0", "P1", "P2", "P3"]


def test_feed_page_refuses_an_unknown_order(member):
    with pytest.raises(ValueError):
        feed.feed_page(membership=member, page=1, per_page=10, order="random")


def test_receipt_tells_what_to_paste_and_where_to_go(make, org, campaign, member):
    post = make.post(campaign, captions={"linkedin": "We launched!", "x": "Launch day"})
    linkedin = sharing.share_post(membership=member, post=post, network="linkedin", caption=None)
    receipt = share_state.receipt(membership=member, share_id=linkedin.share.id)
    assert receipt.intent_url == linkedin.intent_url and receipt.url == linkedin.url
    assert receipt.text == linkedin.text and receipt.text.startswith("We launched!")  # LinkedIn takes only the link
    x = sharing.share_post(membership=member, post=post, network="x", caption=None)
    assert share_state.receipt(membership=member, share_id=x.share.id).text == ""  # X takes the text itself
    # Someone else's share has no receipt for me.
    assert share_state.receipt(membership=make.member(org), share_id=x.share.id) is None
