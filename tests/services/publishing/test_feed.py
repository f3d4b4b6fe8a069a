"""Which posts are live for whom: the feed's visibility matrix."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import utcnow
from ambassador.services.publishing import feed


def _ids(membership, **kw):
    query = feed.live_posts(membership=membership, **kw)
    from ambassador.extensions import db

    return [p.id for p in db.session.scalars(query)]


@pytest.fixture
def org(make):
    return make.org(disclosure="#employee")


@pytest.fixture
def campaign(make, org):
    return make.campaign(org)


def test_an_approved_post_in_an_active_campaign_is_live(make, org, campaign):
    member = make.member(org)
    post = make.post(campaign)
    assert _ids(member) == [post.id]
    assert feed.live_post(membership=member, post_id=post.id) is post


NOW = utcnow()


@pytest.mark.parametrize("attrs", [
    {"status": "draft"},
    {"status": "pending_approval"},
    {"status": "changes_requested"},
    {"status": "archived"},
    {"published_at": None},
    {"visible_from": NOW + timedelta(hours=1)},
    {"expires_at": NOW - timedelta(minutes=1)},
], ids=lambda a: "-".join(f"{k}={v}" for k, v in a.items()))
def test_posts_not_live_are_hidden(make, org, campaign, attrs):
    member = make.member(org)
    post = make.post(campaign, **attrs)
    assert _ids(member) == []
    assert feed.live_post(membership=member, post_id=post.id) is None


def test_window_bounds(make, org, campaign):
    member = make.member(org)
    now = utcnow()
    opened = make.post(campaign, visible_from=now - timedelta(minutes=5), expires_at=now + timedelta(hours=1))
    assert _ids(member) == [opened.id]
    # expires_at is exclusive: at that very moment the post is gone.
    assert _ids(member, now=opened.expires_at) == []
    assert _ids(member, now=opened.visible_from) == [opened.id]


@pytest.mark.parametrize("attrs, live", [
    ({"status": "active"}, True),
    ({"status": "draft"}, False),
    ({"status": "archived"}, False),
    ({"starts_at": NOW + timedelta(days=1)}, False),
    ({"ends_at": NOW - timedelta(days=1)}, False),
    ({"starts_at": NOW - timedelta(days=1), "ends_at": NOW + timedelta(days=1)}, True),
], ids=str)
def test_campaign_must_be_active_and_running(make, org, attrs, live):
    member = make.member(org)
    post = make.post(make.campaign(org, **attrs))
    assert _ids(member) == ([post.id] if live else [])


def test_team_targeting_on_posts_and_campaigns(make, org):
    sales, support = make.team(org), make.team(org)
    seller = make.member(org, teams=[sales])
    helper = make.member(org, teams=[support])
    loner = make.member(org)
    everyone_campaign = make.campaign(org)
    for_all = make.post(everyone_campaign)
    for_sales = make.post(everyone_campaign, teams=[sales])
    for_both = make.post(everyone_campaign, teams=[sales, support])
    sales_campaign = make.campaign(org, teams=[sales])
    in_sales_campaign = make.post(sales_campaign)
    # The post targets support but its campaign only sales: both must allow the member.
    contradicting = make.post(sales_campaign, teams=[support])

    assert set(_ids(seller)) == {for_all.id, for_sales.id, for_both.id, in_sales_campaign.id}
    assert set(_ids(helper)) == {for_all.id, for_both.id}
    assert set(_ids(loner)) == {for_all.id}
    assert contradicting.id not in _ids(seller) + _ids(helper) + _ids(loner)


def test_external_members_never_see_internal_posts(make, org, campaign):
    employee = make.member(org, kind="internal")
    fan = make.member(org, kind="external")
    public = make.post(campaign, audience="everyone")
    internal = make.post(campaign, audience="internal")
    assert set(_ids(employee)) == {public.id, internal.id}
    assert _ids(fan) == [public.id]
    assert feed.live_post(membership=fan, post_id=internal.id) is None


def test_another_organizations_posts_never_appear(make, org, campaign):
    member = make.member(org)
    other = make.org()
    foreign = make.post(make.campaign(other))
    mine = make.post(campaign)
    assert _ids(member) == [mine.id]
    assert feed.live_post(membership=member, post_id=foreign.id) is None
    assert feed.feed_campaigns(membership=member) == [campaign]


def test_newest_first_paginated_and_filtered_by_campaign(make, org, app):
    member = make.member(org)
    first, second = make.campaign(org, title="A"), make.campaign(org, title="B")
    now = utcnow()
    posts = [make.post(first if i % 2 else second, published_at=now - timedelta(hours=i)) for i in range(5)]
    page1 = feed.feed_page(membership=member, page=1, per_page=2)
    page3 = feed.feed_page(membership=member, page=3, per_page=2)
    assert [p.id for p in page1.items] == [posts[0].id, posts[1].id]
    assert [p.id for p in page3.items] == [posts[4].id]
    assert page1.total == 5 and page1.pages == 3
    only_first = feed.feed_page(membership=member, page=1, per_page=10, campaign_id=first.id)
    assert [p.id for p in only_first.items] == [posts[1].id, posts[3].id]
    assert feed.feed_campaigns(membership=member) == [first, second]


def test_feed_page_is_a_fixed_number_of_queries(make, org, campaign, db):
    member = make.member(org)
    for _ in range(6):
        make.post(campaign)
    db.session.expire_all()
    assert member.kind == "internal"  # loaded before counting
    statements = []
    engine = db.session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        page = feed.feed_page(membership=member, page=1, per_page=10)
        for post in page.items:
            assert post.campaign.title and post.caption_for("linkedin", "en")
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    # count + posts (with campaigns joined) + captions + titles per language: never one per post.
    assert len(page.items) == 6
    assert len(statements) <= 4, statements
