"""The periodic jobs: token refresh, expiry warnings, ending posts' shares, auto-share."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.infra import crypto
from ambassador.jobs import tasks
from ambassador.models import AutoShareOptIn, OutboxEmail, Share, utcnow
from ambassador.providers.base import ErrorKind
from ambassador.services.publishing import linked_shares
from tests.services.publishing.fakes import account, due_share, error


def mails(db) -> list[OutboxEmail]:
    return list(db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))


def test_refresh_expiring_tokens_refreshes_within_the_hour_and_marks_revoked_grants(db, network, member):
    now = utcnow()
    soon = account(db, member, "x", refresh_token_enc=crypto.encrypt("r-soon"),
                   token_expires_at=now + timedelta(minutes=20))
    revoked = account(db, member, "x", refresh_token_enc=crypto.encrypt("r-revoked"),
                      token_expires_at=now + timedelta(minutes=30))
    flaky = account(db, member, "x", refresh_token_enc=crypto.encrypt("r-flaky"),
                    token_expires_at=now + timedelta(minutes=40))
    later = account(db, member, "x", refresh_token_enc=crypto.encrypt("r-later"),
                    token_expires_at=now + timedelta(hours=3))
    network.refresh_answers.extend([None, error(ErrorKind.REAUTH, "invalid_grant"), error(ErrorKind.RETRY, "503")])
    counts = tasks.refresh_expiring_tokens(now=now)
    assert counts == {"refreshed": 1, "reconnect": 1, "errors": 1}
    assert network.refreshes == ["r-soon", "r-revoked", "r-flaky"]
    assert crypto.decrypt(soon.refresh_token_enc) == "new-refresh" and soon.token_expires_at > now + timedelta(hours=1)
    assert (revoked.status, flaky.status, later.status) == ("needs_reconnect", "active", "active")
    assert [m.to for m in mails(db)] == [member.user.email]  # only the revoked one is told


def test_expiring_tokens_that_cannot_be_renewed_get_one_warning_per_threshold(db, network, member):
    now = utcnow()
    linkedin = account(db, member, "linkedin", token_expires_at=now + timedelta(days=9, hours=12))
    account(db, member, "x", refresh_token_enc=crypto.encrypt("r"), token_expires_at=now + timedelta(days=2))
    account(db, member, "linkedin", token_expires_at=now + timedelta(days=30))
    assert tasks.warn_expiring_linkedin_tokens(now=now) == {"warned": 1, "expired": 0}
    assert linkedin.expiry_warned_days == 10 and "10 days" in mails(db)[0].subject
    assert tasks.warn_expiring_linkedin_tokens(now=now + timedelta(days=1))["warned"] == 0
    assert tasks.warn_expiring_linkedin_tokens(now=now + timedelta(days=7))["warned"] == 1
    assert linkedin.expiry_warned_days == 3 and "3 days" in mails(db)[1].subject
    assert tasks.warn_expiring_linkedin_tokens(now=now + timedelta(days=8))["warned"] == 0
    assert tasks.warn_expiring_linkedin_tokens(now=now + timedelta(days=10)) == {"warned": 0, "expired": 1}
    assert linkedin.status == "needs_reconnect" and len(mails(db)) == 3


def test_expire_posts_fails_waiting_shares_of_ended_posts_and_keeps_the_posts(db, network, make, member, post):
    other_post = make.post(post.campaign)
    ended = linked_shares.create_api_share(membership=member, post=post, account=account(db, member), caption="a")
    blocked = linked_shares.create_api_share(membership=member, post=post, account=account(db, member), caption="b")
    blocked.error_kind = "reauth"
    done = linked_shares.create_api_share(membership=member, post=post, account=account(db, member), caption="c")
    done.status = "published"
    live = linked_shares.create_api_share(membership=member, post=other_post, account=account(db, member), caption="d")
    gone_account = account(db, member)
    orphan = linked_shares.create_api_share(membership=member, post=other_post, account=gone_account, caption="e")
    gone_account.status = "disconnected"
    post.expires_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    assert tasks.expire_posts() == {"reconnect": 1, "ended": 1, "disconnected": 1}
    for share in (ended, blocked, done, live, orphan):
        db.session.refresh(share)
    assert (ended.status, ended.error) == ("failed", "The post's window ended before it could be published.")
    assert (blocked.status, blocked.error) == ("failed", "The account needed reconnecting and the post's window ended.")
    assert (done.status, live.status) == ("published", "scheduled")
    assert (orphan.status, orphan.error) == ("failed", "The account was disconnected.")
    assert db.session.get(type(post), post.id) is not None


@pytest.fixture
def auto_campaign(make, member):
    return make.campaign(member.organization, auto_share=True)


def test_auto_share_queues_newly_live_posts_once_at_the_next_slot(db, network, make, member, auto_campaign):
    acct = account(db, member, "linkedin")
    opted = AutoShareOptIn(org_id=member.org_id, campaign_id=auto_campaign.id, membership_id=member.id,
                           account_id=acct.id, created_at=utcnow() - timedelta(hours=1))
    db.session.add(opted)
    make.post(auto_campaign, published_at=utcnow() - timedelta(days=2))  # before the opt-in: not queued
    fresh = make.post(auto_campaign, published_at=utcnow() - timedelta(minutes=5))
    fresher = make.post(auto_campaign, published_at=utcnow() - timedelta(minutes=1))
    db.session.flush()
    slot = linked_shares.next_queue_slot(membership=member)
    assert tasks.auto_share_campaigns() == {"queued": 2, "skipped": 0}
    shares = db.session.scalars(sa.select(Share).order_by(Share.id)).all()
    assert [s.post_id for s in shares] == [fresh.id, fresher.id]
    assert all(s.auto and s.status == "scheduled" and s.account_id == acct.id for s in shares)
    assert shares[0].scheduled_at == slot and shares[1].scheduled_at > slot  # the next free slots
    linked_shares.cancel_share(share=shares[0])  # the member said no: never queued again
    assert tasks.auto_share_campaigns() == {"queued": 0, "skipped": 0}


def test_auto_share_skips_accounts_that_need_reconnecting_and_campaigns_without_auto_share(
        db, network, make, member, auto_campaign):
    broken = account(db, member, "linkedin", status="needs_reconnect")
    plain = make.campaign(member.organization)
    fine = account(db, member, "x")
    for campaign, acct in ((auto_campaign, broken), (plain, fine)):
        db.session.add(AutoShareOptIn(org_id=member.org_id, campaign_id=campaign.id, membership_id=member.id,
                                      account_id=acct.id, created_at=utcnow() - timedelta(hours=1)))
        make.post(campaign, published_at=utcnow())
    db.session.flush()
    assert tasks.auto_share_campaigns()["queued"] == 0


def test_dispatch_claims_nothing_once_the_worker_is_asked_to_stop_and_publishes_after(db, app, network, member, post,
                                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "PUBLISH_THREADS", 1)  # the test's session shares one connection
    share = due_share(member, post, account(db, member))
    tasks.shutdown_requested.set()
    try:
        counts = tasks.dispatch_due_shares()
    finally:
        tasks.shutdown_requested.clear()
    db.session.refresh(share)
    assert counts["claimed"] == 0 and network.calls == [] and (share.status, share.attempts) == ("scheduled", 0)
    assert tasks.dispatch_due_shares()["published"] == 1 and len(network.calls) == 1
