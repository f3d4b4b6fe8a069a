"""The dispatcher with the real adapters against the contract fakes of X and Mastodon.

X rotates refresh tokens on every refresh: two workers (threads, each with its own session and
connection) claim one share each of the same X account whose access token has run out, then
publish at the same moment. The fake kills a refresh token once used and answers 400
invalid_request to a second use, as X does. The per-account lock in
services/social_accounts.refresh_now makes the second worker wait, re-read the tokens the first
one stored, and use them: one refresh, two posts, the account still active.

Mastodon stores an Idempotency-Key only once the status is created: a lost answer (a 5xx after
sending, a read timeout) ends "unconfirmed" and is never sent again by itself.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.infra import crypto
from ambassador.jobs import publisher
from ambassador.models import Share, SocialAccount, utcnow
from ambassador.services.publishing import dispatch, leases
from tests.providers.fakes.mastodon import FakeMastodon
from tests.providers.fakes.x import FakeX
from tests.providers.test_http import refused_url

from .fakes import account, due_share


def seed_x_account(app, fake: FakeX) -> tuple[int, list[int]]:
    """One member with an X account whose access token expired; two due shares of it."""
    from ambassador.extensions import db
    from tests.factories import Factory

    with app.app_context():
        make = Factory(db)
        owner = make.member(make.org(points_share=5, daily_share_points_cap=100))
        tokens = fake.account()
        account = SocialAccount(org_id=owner.org_id, membership_id=owner.id, provider="x",
                                external_id=fake.consenting_user, handle="@ambassador_ann",
                                extra={"username": "ambassador_ann"},
                                access_token_enc=crypto.encrypt(tokens["access_token"]),
                                refresh_token_enc=crypto.encrypt(tokens["refresh_token"]),
                                token_expires_at=utcnow() - timedelta(minutes=1))
        db.session.add(account)
        db.session.flush()
        campaign = make.campaign(owner.organization)
        ids = [due_share(owner, make.post(campaign), account, caption=f"Post number {n}").id for n in (1, 2)]
        db.session.commit()
        return account.id, ids


def test_two_workers_refreshing_one_x_account_at_once_both_publish(own_app):  # noqa: F811
    from ambassador.extensions import db

    fake = FakeX(delay=0.2)  # every answer a little late: both workers are inside the refresh together
    with fake.running():
        own_app.config.update(X_CLIENT_ID=fake.client_id, X_CLIENT_SECRET="", X_API_URL=fake.base_url,
                              X_AUTH_URL=f"{fake.base_url}/i/oauth2/authorize",
                              X_TOKEN_URL=f"{fake.base_url}/2/oauth2/token")
        account_id, share_ids = seed_x_account(own_app, fake)
        claimed = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def worker(name: str) -> None:
            with own_app.app_context():  # its own session and connection
                [share_id] = leases.claim_due_shares(worker_id=name, limit=1)
                claimed.wait(timeout=30)
                outcomes[name] = dispatch.publish_claimed(share_id, worker_id=name)

        threads = [threading.Thread(target=worker, args=(name,)) for name in ("w1", "w2")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert outcomes == {"w1": "published", "w2": "published"}
    assert fake.count("token") == 1 and len(fake.tweets) == 2
    with own_app.app_context():
        account = db.session.get(SocialAccount, account_id)
        statuses = db.session.scalars(sa.select(Share.status).where(Share.id.in_(share_ids))).all()
        assert (account.status, account.last_error) == ("active", None)
        assert statuses == ["published", "published"]
        # The refresh token X handed out last is the one stored, and it still works.
        assert crypto.decrypt(account.refresh_token_enc) in fake.grants.refresh_tokens


@pytest.fixture
def mastodon(app, monkeypatch, allow_http_providers):
    monkeypatch.setitem(app.config, "MASTODON_ENABLED", True)
    monkeypatch.setitem(app.config, "PROVIDER_READ_TIMEOUT", 0.5)
    monkeypatch.setitem(app.config, "PUBLISH_THREADS", 1)  # the test's session shares one connection
    with FakeMastodon().running() as fake:
        yield fake


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 503}, {"delay": 1.5}],
                         ids=["500-after-sending", "503-after-sending", "read-timeout"])
def test_a_lost_mastodon_answer_is_unconfirmed_and_never_sent_again(db, mastodon, member, post, fault):  # noqa: F811
    share = due_share(member, post, account(db, member, "mastodon", service_url=mastodon.base_url,
                                            access_token_enc=crypto.encrypt(mastodon.add_token())))
    mastodon.fail("statuses", after=True, **fault)
    assert publisher.dispatch_due_shares()["unconfirmed"] == 1
    for later in (utcnow() + timedelta(minutes=10), utcnow() + timedelta(days=1)):
        assert publisher.dispatch_due_shares(now=later)["claimed"] == 0
    db.session.refresh(share)
    assert (share.status, share.error_kind) == ("unconfirmed", "unknown_outcome")
    assert mastodon.count("statuses") == 1 and len(mastodon.statuses) == 1


def test_a_mastodon_instance_that_refused_the_connection_is_tried_again(db, mastodon, member, post):  # noqa: F811
    share = due_share(member, post, account(db, member, "mastodon", service_url=refused_url(),
                                            access_token_enc=crypto.encrypt("token")))
    assert publisher.dispatch_due_shares()["retry"] == 1
    db.session.refresh(share)
    assert (share.status, share.attempts, share.error_kind) == ("scheduled", 1, "retry")
