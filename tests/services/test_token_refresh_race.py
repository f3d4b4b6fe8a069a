"""X rotates refresh tokens on every refresh: two workers refreshing one account at once, for real.

Two threads, each with its own session and connection, claim one share each of the same X account
whose access token has run out, then publish at the same moment against the contract fake of X
(which kills a refresh token once used and answers 400 invalid_request to a second use, as X does).
The per-account lock in services/social_accounts.refresh_now makes the second worker wait, re-read
the tokens the first one stored, and use them: one refresh, two posts, the account still active.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa

from ambassador.models import Share, SocialAccount, utcnow
from ambassador.services import crypto, dispatch
from tests.providers.fakes.x import FakeX

from .publishing_fakes import due_share
from .test_dispatch import own_app  # noqa: F401 - fixture: an app on a database of its own


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
                [share_id] = dispatch.claim_due_shares(worker_id=name, limit=1)
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
