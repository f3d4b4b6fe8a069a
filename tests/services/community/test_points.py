from datetime import datetime, timedelta

import sqlalchemy as sa

from ambassador.models import Click, PointsEntry, Share
from ambassador.services.community import points
from ambassador.services.publishing.clicks import hour_bucket
from ambassador.services.publishing.tracked_links import link_for

NOON = datetime(2025, 3, 12, 11, 0)  # 12:00 in Brussels


def share(make, db, *, org, member, network="linkedin", at=NOON):
    post = make.post(make.campaign(org))
    link = link_for(membership=member, post=post, network=network)
    row = Share(org_id=org.id, post_id=post.id, membership_id=member.id, tracked_link_id=link.id, network=network,
                created_at=at)
    db.session.add(row)
    db.session.flush()
    return row


def click(db, link, *, at=NOON, visitor="v"):
    row = Click(org_id=link.org_id, tracked_link_id=link.id, visitor_hash=visitor, hour_bucket=hour_bucket(at),
                created_at=at)
    db.session.add(row)
    db.session.flush()
    return row


def test_share_earns_the_org_value_once(make, db):
    org = make.org(points_share=7)
    member = make.member(org)
    s = share(make, db, org=org, member=member)
    first = points.award_share(share=s)
    again = points.award_share(share=s)
    assert first.points == 7 and again.id == first.id
    assert points.balance(member.id) == 7


def test_facebook_share_and_click_earn_nothing(make, db):
    org = make.org()
    member = make.member(org)
    s = share(make, db, org=org, member=member, network="facebook")
    assert points.award_share(share=s) is None
    c = click(db, s.tracked_link)
    assert points.award_click(click=c, membership_id=member.id, network="facebook", org=org) is None
    assert points.balance(member.id) == 0


def test_share_cap_partially_filled_pays_the_rest_then_nothing(make, db):
    org = make.org(points_share=5, daily_share_points_cap=50)
    member = make.member(org)
    db.session.add(PointsEntry(org_id=org.id, membership_id=member.id, points=48, reason="share",
                               day=points.local_day(org, NOON), created_at=NOON))
    assert points.award_share(share=share(make, db, org=org, member=member)).points == 2
    assert points.award_share(share=share(make, db, org=org, member=member)) is None
    assert points.balance(member.id) == 50
    # the next local day has a fresh cap
    assert points.award_share(share=share(make, db, org=org, member=member, at=NOON + timedelta(days=1))).points == 5


def test_click_cap_and_pays_once_per_click(make, db):
    org = make.org(points_click=2, daily_click_points_cap=5)
    member = make.member(org)
    link = link_for(membership=member, post=make.post(make.campaign(org)), network="x")
    awards = [points.award_click(click=click(db, link, visitor=f"v{i}"), membership_id=member.id, network="x",
                                 org=org) for i in range(4)]
    assert [a.points if a else None for a in awards] == [2, 2, 1, None]
    repeat = points.award_click(click=db.session.get(Click, awards[0].click_id), membership_id=member.id,
                                network="x", org=org)
    assert repeat.id == awards[0].id
    assert points.balance(member.id) == 5


def test_caps_are_counted_per_org_local_day(make, db):
    org = make.org(timezone="Europe/Brussels", points_click=1, daily_click_points_cap=1)
    member = make.member(org)
    link = link_for(membership=member, post=make.post(make.campaign(org)), network="x")
    late = datetime(2025, 3, 12, 22, 30)  # 23:30 in Brussels: 12 March
    after_midnight = datetime(2025, 3, 12, 23, 30)  # 00:30 on 13 March in Brussels, same UTC day
    assert points.award_click(click=click(db, link, at=late, visitor="a"), membership_id=member.id, network="x",
                              org=org).points == 1
    assert points.award_click(click=click(db, link, at=after_midnight, visitor="b"), membership_id=member.id,
                              network="x", org=org).points == 1


def test_balances_are_per_member_and_org(make, db):
    org, other_org = make.org(), make.org()
    member, other = make.member(org), make.member(other_org)
    points.award_share(share=share(make, db, org=org, member=member))
    assert points.balance(member.id) == 5 and points.balance(other.id) == 0
    assert db.session.scalar(sa.select(sa.func.count(PointsEntry.id)).where(PointsEntry.org_id == other_org.id)) == 0


def test_deactivated_member_earns_no_click_points(make, db):
    org = make.org()
    member = make.member(org, status="deactivated")
    link = link_for(membership=member, post=make.post(make.campaign(org)), network="x")
    assert points.award_click(click=click(db, link), membership_id=member.id, network="x", org=org) is None
    assert points.balance(member.id) == 0
