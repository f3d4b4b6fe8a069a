""""My activity": shares, the clicks they brought, points, history and all-time rank."""
from __future__ import annotations

from datetime import date

import pytest

from ambassador.models import Click, PointsEntry
from ambassador.services.analytics import activity
from ambassador.services.community import points
from ambassador.services.publishing import sharing


@pytest.fixture
def org(make):
    return make.org(points_share=5, points_click=1)


def _click(db, link, n):
    click = Click(org_id=link.org_id, tracked_link_id=link.id, visitor_hash=f"visitor-{n}", hour_bucket=n)
    db.session.add(click)
    db.session.flush()
    return click


def _adjust(db, member, amount):
    db.session.add(PointsEntry(org_id=member.org_id, membership_id=member.id, points=amount, reason="adjustment",
                               note="manual", day=date.today()))
    db.session.flush()


def test_numbers_shares_clicks_points_history(db, make, org):
    me = make.member(org)
    post = make.post(make.campaign(org), title="Spring sale")
    first = sharing.share_post(membership=me, post=post, network="x", caption=None)
    sharing.share_post(membership=me, post=post, network="x", caption="again")  # same link, no points
    linkedin = sharing.share_post(membership=me, post=post, network="linkedin", caption=None)
    for n in range(3):
        points.award_click(click=_click(db, first.link, n), membership_id=me.id, network="x", org=org)
    _click(db, linkedin.link, 1)
    # Someone else's clicks never count for me.
    other = sharing.share_post(membership=make.member(org), post=post, network="x", caption=None)
    _click(db, other.link, 9)

    summary = activity.summary(me)
    assert (summary.shares, summary.clicks, summary.points) == (3, 4, 5 + 5 + 3)
    page = activity.shares_page(membership=me, page=1, per_page=10)
    assert len(page.items) == 3 and page.items[0].network == "linkedin"  # newest first
    counts = activity.clicks_by_link(membership=me, link_ids=[s.tracked_link_id for s in page.items])
    assert counts == {first.link.id: 3, linkedin.link.id: 1}
    assert activity.clicks_by_link(membership=me, link_ids=[other.link.id]) == {}

    history = activity.points_history(me)
    assert sorted(e.reason for e, _ in history) == ["click"] * 3 + ["share"] * 2
    assert {title for _, title in history} == {"Spring sale"}


def test_rank_counts_members_with_more_points(db, make, org):
    top, middle, also_middle, me, nobody = (make.member(org) for _ in range(5))
    _adjust(db, top, 50)
    _adjust(db, middle, 20)
    _adjust(db, also_middle, 20)
    _adjust(db, me, 10)
    assert activity.rank(me) == (4, 4)
    assert activity.rank(middle) == (2, 4) and activity.rank(also_middle) == (2, 4)
    assert activity.rank(top) == (1, 4)
    assert activity.rank(nobody) == (None, 4)
    # Negative adjustments count; another organization's points do not.
    _adjust(db, top, -45)
    elsewhere = make.member(make.org())
    _adjust(db, elsewhere, 1000)
    assert activity.rank(me) == (3, 4)
    assert activity.summary(me).rank == 3


def test_deactivated_members_are_not_ranked(db, make, org):
    gone = make.member(org, status="deactivated")
    me = make.member(org)
    _adjust(db, gone, 100)
    _adjust(db, me, 1)
    assert activity.rank(me) == (1, 1)
