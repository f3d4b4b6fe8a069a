"""Auto-share opt-ins: rows per (campaign, member, account), only where offered, only own usable accounts."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import AutoShareOptIn, utcnow
from ambassador.services.publishing import auto_share
from tests.web.account_shares_data import link_account


@pytest.fixture
def org(make):
    return make.org()


@pytest.fixture
def member(make, org):
    return make.member(org)


@pytest.fixture
def offered(make, org):
    return make.campaign(org, title="Always on", auto_share=True)


def _rows(db):
    return list(db.session.execute(sa.select(AutoShareOptIn.campaign_id, AutoShareOptIn.membership_id,
                                             AutoShareOptIn.account_id, AutoShareOptIn.org_id)))


def test_opt_in_and_out_keep_one_row_per_account(db, org, member, offered):
    linkedin, x = link_account(db, member, "linkedin"), link_account(db, member, "x")
    auto_share.opt_in(membership=member, campaign=offered, account=linkedin)
    auto_share.opt_in(membership=member, campaign=offered, account=linkedin)  # idempotent
    auto_share.opt_in(membership=member, campaign=offered, account=x)
    assert sorted(_rows(db)) == sorted([(offered.id, member.id, linkedin.id, org.id),
                                        (offered.id, member.id, x.id, org.id)])
    assert [a.id for a in auto_share.opted_accounts(membership=member, campaign=offered)] == [linkedin.id, x.id]
    auto_share.opt_out(membership=member, campaign=offered, account=linkedin)
    assert _rows(db) == [(offered.id, member.id, x.id, org.id)]
    auto_share.opt_out(membership=member, campaign=offered, account=linkedin)  # nothing left to remove
    assert auto_share.opted_accounts(membership=member, campaign=offered) == [x]


def test_set_accounts_makes_the_opt_ins_exactly_those(db, member, offered):
    a, b, c = (link_account(db, member, p) for p in ("linkedin", "x", "mastodon"))
    assert auto_share.set_accounts(membership=member, campaign=offered, account_ids=[a.id, b.id]) == [a, b]
    assert auto_share.set_accounts(membership=member, campaign=offered, account_ids=[c.id]) == [c]
    assert auto_share.set_accounts(membership=member, campaign=offered, account_ids=[]) == []
    assert _rows(db) == []


def test_refused_where_not_offered_or_not_own_or_not_usable(db, make, org, member, offered):
    mine = link_account(db, member, "linkedin")
    not_offered = make.campaign(org, auto_share=False)
    with pytest.raises(auto_share.AutoShareError):
        auto_share.opt_in(membership=member, campaign=not_offered, account=mine)
    colleague = link_account(db, make.member(org), "x")
    with pytest.raises(auto_share.AutoShareError):
        auto_share.opt_in(membership=member, campaign=offered, account=colleague)
    with pytest.raises(auto_share.AutoShareError):
        auto_share.set_accounts(membership=member, campaign=offered, account_ids=[colleague.id])
    broken = link_account(db, member, "x", status="needs_reconnect")
    with pytest.raises(auto_share.AutoShareError):
        auto_share.opt_in(membership=member, campaign=offered, account=broken)
    with pytest.raises(ValueError):  # another organization's campaign
        auto_share.opt_in(membership=member, campaign=make.campaign(make.org(), auto_share=True), account=mine)
    assert _rows(db) == []


def test_offered_campaigns_are_active_current_targeted_and_of_the_org(db, make, org, member, offered):
    team = make.team(org)
    make.campaign(org, auto_share=False)
    make.campaign(org, auto_share=True, status="archived")
    make.campaign(org, auto_share=True, ends_at=utcnow() - timedelta(days=1))
    other_team = make.campaign(org, auto_share=True)
    other_team.teams = [make.team(org)]
    mine = make.campaign(org, title="Team only", auto_share=True)
    mine.teams = [team]
    make.campaign(make.org(), auto_share=True)
    db.session.flush()
    assert auto_share.offered_campaigns(membership=member) == [offered]
    member.teams = [team]
    db.session.flush()
    assert auto_share.offered_campaigns(membership=member) == [offered, mine]
    auto_share.opt_in(membership=member, campaign=mine, account=link_account(db, member, "x"))
    assert set(auto_share.opt_ins_by_campaign(membership=member, campaign_ids=[offered.id, mine.id])) == {mine.id}
