"""The worker's publishing: claim, publish once, and what each kind of failure does (DESIGN.md §5)."""
from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.infra import crypto
from ambassador.jobs import publisher
from ambassador.models import AppRateLimit, OutboxEmail, Share, SocialAccount, utcnow
from ambassador.providers.base import ErrorKind, PublishResult
from ambassador.services.community import points
from ambassador.services.publishing import dispatch, leases

from .fakes import account, due_share, error

WORKER = "test-worker"


@pytest.fixture(autouse=True)
def inline_publishing(app, monkeypatch):
    """The test's session shares one connection: publish in this thread (the pool is tested below)."""
    monkeypatch.setitem(app.config, "PUBLISH_THREADS", 1)


def claim_and_publish(share: Share) -> str:
    assert leases.claim_due_shares(worker_id=WORKER, limit=10) == [share.id]
    return dispatch.publish_claimed(share.id, worker_id=WORKER)


def test_claim_is_committed_before_the_call_and_points_come_after_success(db, network, member, post):
    share = due_share(member, post, account(db, member))
    seen = {}

    def while_sending():
        db.session.expire_all()
        seen.update(status=db.session.get(Share, share.id).status, balance=points.balance(member.id))

    network.answer(while_sending)
    assert leases.claim_due_shares(worker_id=WORKER, limit=10) == [share.id]
    assert (share.status, share.attempts, share.lease_owner) == ("publishing", 1, WORKER)
    assert share.lease_expires_at > utcnow() + timedelta(seconds=200)
    assert dispatch.publish_claimed(share.id, worker_id=WORKER) == "published"
    assert seen == {"status": "publishing", "balance": 0}
    db.session.refresh(share)
    assert (share.status, share.lease_owner, share.error) == ("published", None, None)
    assert share.external_id == "post-1" and share.external_url == "https://linkedin.example/p/1"
    assert share.published_at is not None and points.balance(member.id) == 5
    [(_, context, request)] = network.calls
    assert context.access_token.startswith("access-")
    assert request.text == share.caption and request.link_url == f"http://localhost/s/{share.tracked_link.code}"
    assert (request.title, request.description, request.idempotency_key) == (
        "Launch", "What we launched", share.idempotency_key)


def test_facebook_publishes_but_earns_no_points(db, network, member, post):
    share = due_share(member, post, account(db, member, "facebook"))
    assert claim_and_publish(share) == "published" and points.balance(member.id) == 0


@pytest.mark.parametrize("answer, status, message", [
    (error(ErrorKind.REJECTED, "Status is a duplicate"), "failed",
     "The network refused the post: Status is a duplicate"),
    (error(ErrorKind.CONFIG, "426 retired version"), "failed", dispatch.CONFIG_MESSAGE),
    (error(ErrorKind.UNKNOWN_OUTCOME, "read timeout"), "unconfirmed", "read timeout"),
    (RuntimeError("adapter bug"), "unconfirmed", "Unexpected error while publishing (RuntimeError)."),
])
def test_final_outcomes(db, network, member, post, caplog, answer, status, message):
    acct = account(db, member)
    share = due_share(member, post, acct)
    network.answer(answer)
    with caplog.at_level(logging.ERROR, logger="ambassador.services.publishing.dispatch"):
        assert claim_and_publish(share) == status
    db.session.refresh(share)
    assert (share.status, share.error, share.lease_owner, share.next_attempt_at) == (status, message, None, None)
    assert points.balance(member.id) == 0 and acct.status == "active"
    if message == dispatch.CONFIG_MESSAGE:
        assert "426 retired version" in caplog.text


def test_retry_backs_off_without_disconnecting_and_gives_up_after_the_limit(db, app, network, member, post):
    acct = account(db, member)
    share = due_share(member, post, acct)
    network.answer(error(ErrorKind.RETRY, "503 Service Unavailable"))
    before = utcnow()
    assert claim_and_publish(share) == "retry"
    db.session.refresh(share)
    assert (share.status, share.attempts, share.error_kind) == ("scheduled", 1, "retry")
    assert before <= share.next_attempt_at <= utcnow() + timedelta(seconds=app.config["PUBLISH_BACKOFF_SECONDS"])
    assert acct.status == "active" and db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0
    share.attempts = app.config["PUBLISH_MAX_ATTEMPTS"] - 1
    share.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    network.answer(error(ErrorKind.RETRY, "503 again"))
    assert claim_and_publish(share) == "failed"
    db.session.refresh(share)
    assert share.status == "failed" and share.error.startswith("Gave up after 6 attempts: 503 again")


def test_retry_honours_the_networks_retry_at(db, network, member, post):
    share = due_share(member, post, account(db, member))
    later = utcnow() + timedelta(hours=1)
    network.answer(error(ErrorKind.RETRY, "busy", retry_at=later))
    claim_and_publish(share)
    db.session.refresh(share)
    assert share.next_attempt_at == later


class Ceiling:
    def uniform(self, low, high):
        return high


def test_backoff_grows_is_capped_and_its_jitter_stays_within_bounds():
    ceilings = [dispatch.backoff_delay(n, base=30, cap=600, rng=Ceiling()).total_seconds() for n in range(1, 8)]
    assert ceilings == [30, 60, 120, 240, 480, 600, 600]
    rng = random.Random(7)
    samples = [dispatch.backoff_delay(4, base=30, cap=600, rng=rng).total_seconds() for _ in range(500)]
    assert all(0 <= s <= 240 for s in samples)
    assert min(samples) < 40 and max(samples) > 200  # full jitter spreads over the whole range


def test_rate_limit_defers_the_account_and_its_other_shares_without_a_storm(db, network, make, member, post):
    limited, other = account(db, member, "x"), account(db, member, "linkedin")
    first = due_share(member, post, limited, minutes_ago=3)
    second = due_share(member, make.post(post.campaign), limited, minutes_ago=2)
    elsewhere = due_share(member, post, other, minutes_ago=1)
    reset = (utcnow() + timedelta(minutes=15)).replace(microsecond=0)
    network.answer(error(ErrorKind.RATE_LIMITED, "429", retry_at=reset))
    counts = publisher.dispatch_due_shares()
    # One share per account at a time: after the 429 the second X share is not even claimed.
    assert counts["claimed"] == 2 and counts["published"] == 1 and counts["rate_limited"] == 1
    assert [name for name, _, _ in network.calls] == ["x", "linkedin"]  # the second X share was never sent
    due_before = second.next_attempt_at
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.status, first.next_attempt_at, first.attempts) == ("scheduled", reset, 0)
    assert (second.status, second.next_attempt_at, second.attempts) == ("scheduled", due_before, 0)  # untouched
    db.session.refresh(limited)
    assert limited.rate_limited_until == reset and db.session.get(Share, elsewhere.id).status == "published"
    assert publisher.dispatch_due_shares()["claimed"] == 0
    assert leases.claim_due_shares(worker_id=WORKER, limit=10, now=reset + timedelta(seconds=1)) == sorted(
        [first.id, second.id])


@pytest.mark.parametrize("app_wide", [False, True])
def test_a_post_that_spends_the_limit_holds_the_next_share_without_a_429(db, network, make, member, post, app_wide):
    """The network's answer said no call was left (remaining 0) until a reset: the account's (or, for an app-wide
    cap, the network's) next share waits for it instead of spending a call on a 429."""
    limited = account(db, member, "x")
    first = due_share(member, post, limited, minutes_ago=3)
    second = due_share(member, make.post(post.campaign), limited, minutes_ago=2)
    reset = (utcnow() + timedelta(minutes=15)).replace(microsecond=0)
    network.answer(PublishResult(external_id="post-1", url="https://x.example/p/1", wait_until=reset,
                                 wait_app_wide=app_wide))
    counts = publisher.dispatch_due_shares()
    assert counts["published"] == 1 and "rate_limited" not in counts
    assert [name for name, _, _ in network.calls] == ["x"]  # the second share was not sent into a 429
    db.session.refresh(first)
    db.session.refresh(second)
    db.session.refresh(limited)
    assert first.status == "published" and (second.status, second.attempts) == ("scheduled", 0)
    if app_wide:
        assert db.session.get(AppRateLimit, ("x", "")).until == reset and limited.rate_limited_until is None
    else:
        assert limited.rate_limited_until == reset and db.session.get(AppRateLimit, ("x", "")) is None
    assert leases.claim_due_shares(worker_id=WORKER, limit=10) == []
    assert leases.claim_due_shares(worker_id=WORKER, limit=10, now=reset + timedelta(seconds=1)) == [second.id]


def test_app_wide_rate_limit_holds_every_account_of_that_network(db, network, make, member, post):
    x_one, x_two, linkedin = account(db, member, "x"), account(db, make.member(member.organization), "x"), \
        account(db, member, "linkedin")
    share = due_share(member, post, x_one)
    until = (utcnow() + timedelta(minutes=5)).replace(microsecond=0)
    network.answer(error(ErrorKind.RATE_LIMITED, "app limit", retry_at=until, app_wide=True))
    assert claim_and_publish(share) == "rate_limited"
    assert db.session.get(AppRateLimit, ("x", "")).until == until and x_one.rate_limited_until is None
    blocked = due_share(x_two.membership, post, x_two)
    free = due_share(member, post, linkedin)
    assert leases.claim_due_shares(worker_id=WORKER, limit=10) == [free.id]
    assert blocked.status == "scheduled"


def test_reauth_marks_the_account_emails_its_owner_and_the_share_waits(db, network, member, post):
    acct = account(db, member)
    share = due_share(member, post, acct)
    network.answer(error(ErrorKind.REAUTH, "401 revoked"))
    assert claim_and_publish(share) == "blocked"
    db.session.refresh(share)
    db.session.refresh(acct)
    assert (acct.status, acct.last_error) == ("needs_reconnect", "401 revoked")
    assert (share.status, share.error_kind, share.attempts) == ("scheduled", "reauth", 0)
    [mail] = db.session.scalars(sa.select(OutboxEmail)).all()
    assert mail.to == member.user.email and "Reconnect" in mail.subject
    assert publisher.dispatch_due_shares()["claimed"] == 0  # waits while the account is not active
    acct.status = "active"  # reconnected
    db.session.flush()
    assert publisher.dispatch_due_shares()["published"] == 1 and len(network.calls) == 2


def test_token_is_refreshed_before_publishing_and_a_refused_refresh_blocks(db, network, member, post):
    acct = account(db, member, refresh_token_enc=crypto.encrypt("refresh-1"), token_expires_at=utcnow())
    share = due_share(member, post, acct)
    assert claim_and_publish(share) == "published"
    db.session.refresh(acct)
    assert network.refreshes == ["refresh-1"] and network.calls[0][1].access_token == "new-access"
    assert crypto.decrypt(acct.refresh_token_enc) == "new-refresh"

    acct.token_expires_at = utcnow()
    db.session.flush()
    network.refresh_answers.append(error(ErrorKind.REAUTH, "invalid_grant"))
    blocked = due_share(member, post, account(db, member, "x",
                        refresh_token_enc=crypto.encrypt("refresh-x"), token_expires_at=utcnow()))
    assert claim_and_publish(blocked) == "blocked"
    assert len(network.calls) == 1 and blocked.account.status == "needs_reconnect"


def test_transient_refresh_failure_is_a_retry_not_an_unknown_outcome(db, network, member, post):
    acct = account(db, member, refresh_token_enc=crypto.encrypt("r"), token_expires_at=utcnow())
    share = due_share(member, post, acct)
    network.refresh_answers.append(error(ErrorKind.UNKNOWN_OUTCOME, "token endpoint timed out"))
    assert claim_and_publish(share) == "retry"
    assert network.calls == [] and acct.status == "active"


def test_unconfirmed_is_never_posted_again_by_itself(db, network, member, post):
    share = due_share(member, post, account(db, member))
    network.answer(error(ErrorKind.UNKNOWN_OUTCOME, "502 after sending"))
    assert publisher.dispatch_due_shares()["unconfirmed"] == 1
    for later in (utcnow() + timedelta(hours=1), utcnow() + timedelta(days=30)):
        assert publisher.dispatch_due_shares(now=later).get("claimed") == 0
    db.session.refresh(share)
    assert share.status == "unconfirmed" and len(network.calls) == 1


class WorkerKilled(BaseException):
    """The process dies in the middle of the network call (after the request left)."""


@pytest.mark.parametrize("provider, idempotent", [("linkedin", False), ("mastodon", True)])
def test_a_killed_worker_never_causes_a_double_post(db, network, member, post, provider, idempotent):
    share = due_share(member, post, account(db, member, provider))
    network.answer(WorkerKilled())
    assert leases.claim_due_shares(worker_id="dead-worker", limit=10) == [share.id]
    with pytest.raises(WorkerKilled):
        dispatch.publish_claimed(share.id, worker_id="dead-worker")
    db.session.rollback()
    assert db.session.get(Share, share.id).status == "publishing"
    assert publisher.dispatch_due_shares()["recovered"] == 0  # the lease still runs: nobody touches it

    db.session.get(Share, share.id).lease_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    counts = publisher.dispatch_due_shares()
    db.session.refresh(share)
    assert counts["recovered"] == 1
    if idempotent:  # sent again with the same key: the network keeps one post
        assert share.status == "published" and len(network.calls) == 2
        assert network.calls[0][2].idempotency_key == network.calls[1][2].idempotency_key == share.idempotency_key
    else:
        assert (share.status, share.error) == ("unconfirmed", leases.LEASE_LOST_MESSAGE)
        assert len(network.calls) == 1
        assert publisher.dispatch_due_shares(now=utcnow() + timedelta(days=1))["claimed"] == 0
        assert len(network.calls) == 1


def expire_leases(db) -> None:
    db.session.execute(sa.update(Share).where(Share.lease_owner.is_not(None))
                       .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


@pytest.mark.parametrize("provider, idempotent", [("linkedin", False), ("mastodon", True)])
def test_a_worker_killed_mid_batch_leaves_only_the_share_it_was_sending_unconfirmed(
        db, network, make, member, post, provider, idempotent):
    acct = account(db, member, provider)
    shares = [due_share(member, make.post(post.campaign), acct, minutes_ago=3 - n) for n in range(3)]
    sending, *waiting = shares
    network.answer(WorkerKilled())
    assert leases.claim_due_shares(worker_id="dead-worker", limit=10) == [s.id for s in shares]
    with pytest.raises(WorkerKilled):  # it dies during the first call; the other two never left
        dispatch.publish_claimed(sending.id, worker_id="dead-worker")
    db.session.rollback()
    assert db.session.get(Share, sending.id).sending_at is not None
    assert all(db.session.get(Share, s.id).sending_at is None for s in waiting)

    expire_leases(db)
    assert leases.recover_expired_leases() == 3
    for share in waiting:  # back in the queue as if never claimed
        db.session.refresh(share)
        assert (share.status, share.attempts, share.lease_owner, share.lease_expires_at, share.error_kind) == \
            ("scheduled", 0, None, None, None)
    db.session.refresh(sending)
    if idempotent:  # the network's idempotency makes sending it again harmless
        assert (sending.status, sending.lease_owner) == ("scheduled", None)
    else:
        assert (sending.status, sending.error, sending.lease_owner) == ("unconfirmed", leases.LEASE_LOST_MESSAGE,
                                                                         None)
    counts = publisher.dispatch_due_shares()
    assert counts["published"] == (3 if idempotent else 2)
    sent = [request.idempotency_key for request in network.published()]
    assert sorted(sent) == sorted([sending.idempotency_key] * (2 if idempotent else 1)
                                  + [s.idempotency_key for s in waiting])


def test_a_lease_that_ran_out_and_was_claimed_again_is_not_sent_by_its_first_owner(db, network, member, post):
    share = due_share(member, post, account(db, member))
    leases.claim_due_shares(worker_id="slow-worker", limit=10)
    expire_leases(db)
    leases.recover_expired_leases()
    assert leases.claim_due_shares(worker_id=WORKER, limit=10) == [share.id]
    assert not leases.mark_sending([share.id], worker_id="slow-worker", now=utcnow())
    assert dispatch.publish_claimed(share.id, worker_id=WORKER) == "published"
    assert len(network.calls) == 1


def test_only_the_lease_holder_publishes_and_a_stopping_worker_hands_shares_back(db, network, member, post):
    from threading import Event

    share = due_share(member, post, account(db, member))
    leases.claim_due_shares(worker_id=WORKER, limit=10)
    assert dispatch.publish_claimed(share.id, worker_id="someone-else") == "lost"
    stop = Event()
    stop.set()
    assert dispatch.publish_claimed(share.id, worker_id=WORKER, stop=stop) == "released"
    db.session.refresh(share)
    assert (share.status, share.attempts, share.lease_owner) == ("scheduled", 0, None) and network.calls == []


def test_a_post_withdrawn_after_scheduling_fails_without_a_call(db, network, member, post):
    share = due_share(member, post, account(db, member))
    post.status = "archived"
    db.session.flush()
    assert claim_and_publish(share) == "failed"
    assert share.error.startswith("The post was withdrawn") and network.calls == []


def test_sequential_claimers_take_disjoint_rows_and_respect_the_limit(db, network, make, member, post):
    acct = account(db, member)
    shares = [due_share(member, make.post(post.campaign), acct) for _ in range(5)]
    later = due_share(member, post, acct)
    later.next_attempt_at = utcnow() + timedelta(hours=1)
    db.session.flush()
    first = leases.claim_due_shares(worker_id="a", limit=3)
    second = leases.claim_due_shares(worker_id="b", limit=10)
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
    assert set(first) | set(second) == {s.id for s in shares}
    assert leases.claim_due_shares(worker_id="c", limit=10) == []


# --- several workers, real commits: a database of their own ---------------------------------


def seed_due_shares(app, *, posts: int, accounts: int) -> list[int]:
    from ambassador.extensions import db as ext_db
    from tests.factories import Factory

    with app.app_context():
        make = Factory(ext_db)
        owner = make.member(make.org(points_share=5, daily_share_points_cap=10_000))
        linked = [account(ext_db, owner, ("mastodon", "linkedin")[n % 2]) for n in range(accounts)]
        campaign = make.campaign(owner.organization)
        ids = [due_share(owner, make.post(campaign), acct).id for _ in range(posts) for acct in linked]
        ext_db.session.commit()
        return ids


def test_two_workers_racing_on_postgresql_claim_every_share_exactly_once(database_url, own_app, network):
    import threading

    from ambassador.extensions import db as ext_db

    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serializes writers; its conditional-update claim is tested with sequential claimers")
    ids = seed_due_shares(own_app, posts=20, accounts=10)
    assert len(ids) == 200
    start = threading.Barrier(2)
    claimed: dict[str, list[int]] = {}

    def worker(name: str) -> None:
        with own_app.app_context():  # its own session and connection
            start.wait()
            mine: list[int] = []
            while batch := leases.claim_due_shares(worker_id=name, limit=7):
                mine += batch
            claimed[name] = mine

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claimed["w1"] + claimed["w2"]) == sorted(ids)
    assert not set(claimed["w1"]) & set(claimed["w2"])
    with own_app.app_context():
        rows = ext_db.session.execute(sa.select(Share.id, Share.status, Share.attempts, Share.lease_owner)).all()
    owner = {share_id: name for name, mine in claimed.items() for share_id in mine}
    assert all(status == "publishing" and attempts == 1 and lease == owner[share_id]
               for share_id, status, attempts, lease in rows)


def test_thread_pool_publishes_each_share_once_each_thread_with_its_own_session(own_app, network):
    from ambassador.extensions import db as ext_db

    ids = seed_due_shares(own_app, posts=5, accounts=6)
    with own_app.app_context():
        counts = publisher.dispatch_due_shares(own_app)
        statuses = ext_db.session.scalars(sa.select(Share.status)).all()
        keys = ext_db.session.scalars(sa.select(Share.idempotency_key)).all()
    assert counts["claimed"] == counts["published"] == len(ids) == 30
    assert statuses == ["published"] * 30
    assert sorted(request.idempotency_key for request in network.published()) == sorted(keys)


def test_past_the_networks_idempotency_window_a_lost_lease_is_unconfirmed(db, network, member, post):
    from ambassador.providers import registry

    registry.all_classes()["mastodon"].idempotency_window = timedelta(minutes=55)  # Mastodon keeps keys 1 hour
    share = due_share(member, post, account(db, member, "mastodon"), minutes_ago=120)
    network.answer(WorkerKilled())
    leases.claim_due_shares(worker_id="dead-worker", limit=10)
    with pytest.raises(WorkerKilled):
        dispatch.publish_claimed(share.id, worker_id="dead-worker")
    db.session.rollback()
    db.session.get(Share, share.id).lease_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert publisher.dispatch_due_shares()["recovered"] == 1
    db.session.refresh(share)
    assert share.status == "unconfirmed" and len(network.calls) == 1


def test_a_retry_past_the_idempotency_window_becomes_unconfirmed(db, network, member, post):
    from ambassador.providers import registry

    registry.all_classes()["mastodon"].idempotency_window = timedelta(minutes=55)
    share = due_share(member, post, account(db, member, "mastodon"), minutes_ago=120)
    share.attempts = 1  # an earlier attempt may have reached the instance
    db.session.commit()
    network.answer(error(ErrorKind.RETRY, "502 Bad Gateway"))
    publisher.dispatch_due_shares()
    db.session.refresh(share)
    assert share.status == "unconfirmed"
    assert publisher.dispatch_due_shares(now=utcnow() + timedelta(days=1))["claimed"] == 0
    assert len(network.calls) == 1


def test_a_rate_limit_reset_already_past_still_waits_a_moment(db, network, member, post):
    share = due_share(member, post, account(db, member, "x"))
    now = utcnow()
    network.answer(error(ErrorKind.RATE_LIMITED, "Too Many Requests", retry_at=now - timedelta(seconds=1)))
    publisher.dispatch_due_shares(now=now)
    db.session.refresh(share)
    assert share.status == "scheduled"
    assert share.next_attempt_at >= now + dispatch.MIN_RATE_LIMIT_WAIT
    assert share.account.rate_limited_until >= now + dispatch.MIN_RATE_LIMIT_WAIT
    assert publisher.dispatch_due_shares(now=now + timedelta(seconds=1))["claimed"] == 0
    assert len(network.calls) == 1


def test_registry_loads_adapters_once_for_racing_threads():
    import subprocess
    import sys

    code = """
import threading
from ambassador.providers import registry
errors = []
def ask(name):
    try:
        registry.all_classes()[name]
    except KeyError as exc:
        errors.append(exc)
threads = [threading.Thread(target=ask, args=(n,)) for n in ("linkedin", "x", "mastodon", "bluesky", "facebook") * 4]
[t.start() for t in threads]
[t.join() for t in threads]
print(len(errors))
"""
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "0"


# --- the fed pipeline: one share per account, busy accounts left out, threads kept busy ----------


def test_claim_next_takes_each_accounts_earliest_share_and_leaves_busy_accounts_out(db, network, make, member,
                                                                                      post):
    first, second, third = (account(db, member, provider) for provider in ("x", "linkedin", "mastodon"))
    a1, a2, a3 = (due_share(member, make.post(post.campaign), first, minutes_ago=m) for m in (9, 8, 7))
    b1, b2 = (due_share(member, make.post(post.campaign), second, minutes_ago=m) for m in (6, 5))
    c1 = due_share(member, post, third, minutes_ago=4)
    c1.next_attempt_at = utcnow() + timedelta(minutes=1)  # not due yet
    db.session.commit()
    assert dispatch.claim_next(worker_id=WORKER, limit=10) == {a1.id: first.id, b1.id: second.id}
    c1.next_attempt_at = utcnow() - timedelta(minutes=4)
    db.session.commit()
    # The same worker, those two in flight (or sent and not recorded yet: still "publishing"): only the third
    # account's share is left for it.
    assert dispatch.claim_next(worker_id=WORKER, limit=10) == {c1.id: third.id}
    # Another worker takes nothing of an account with a share in flight (in any worker): an account's
    # shares go out one after another.
    assert dispatch.claim_next(worker_id="other", limit=10) == {}
    # Once an account's share is settled its next one may go, earliest first across accounts, at most `limit`.
    for settled in (a1, b1):
        settled.status, settled.lease_owner = "published", None
    db.session.commit()
    assert dispatch.claim_next(worker_id="other", limit=1) == {a2.id: first.id}
    assert dispatch.claim_next(worker_id="other", limit=10) == {b2.id: second.id}
    a2.status = "published"
    db.session.commit()
    assert dispatch.claim_next(worker_id="other", limit=10) == {a3.id: first.id}
    assert dispatch.claim_next(worker_id="other", limit=10) == {}
    statuses = db.session.execute(sa.select(Share.id, Share.status, Share.attempts, Share.lease_owner)).all()
    assert {share_id: (status, attempts) for share_id, status, attempts, _ in statuses} == {
        **{s.id: ("publishing", 1) for s in (a3, b2, c1)}, **{s.id: ("published", 1) for s in (a1, a2, b1)}}


class InFlight:
    """A network that records what is in flight. The first call (of the "slow" account) is held until
    every call of the other accounts has ended; the first two calls of the others wait for each other."""

    def __init__(self, others: int):
        self.lock = threading.Lock()
        self.others = others
        self.slow: str | None = None
        self.running: Counter = Counter()
        self.most_per_account = 0
        self.most_accounts_with_slow = 0  # accounts in flight at once while the slow call ran
        self.calls: list[tuple[str, str]] = []  # (account, idempotency key) in call order
        self.others_done = 0
        self.all_others_done = threading.Event()
        self.pair = threading.Barrier(2, timeout=30)
        self.paired = 0
        self.problems: list[str] = []

    def publish(self, account: str, key: str) -> PublishResult:
        with self.lock:
            self.slow = self.slow or account
            slow = account == self.slow and not self.calls
            self.calls.append((account, key))
            self.running[account] += 1
            self.most_per_account = max(self.most_per_account, self.running[account])
            if self.running[self.slow]:
                self.most_accounts_with_slow = max(self.most_accounts_with_slow,
                                                   sum(1 for n in self.running.values() if n))
            pair = account != self.slow and self.paired < 2
            self.paired += pair
        try:
            if slow and not self.all_others_done.wait(timeout=30):
                self.problems.append("the slow call waited in vain for the other accounts' calls")
            if pair:
                try:
                    self.pair.wait()
                except threading.BrokenBarrierError:
                    self.problems.append("two other accounts were never in flight at once")
        finally:
            with self.lock:
                self.running[account] -= 1
                if account != self.slow:
                    self.others_done += 1
                    if self.others_done == self.others:
                        self.all_others_done.set()
        return PublishResult(external_id=f"post-{key}", url=f"https://example.test/{key}")


def recording_network(monkeypatch, network, recorder: InFlight) -> None:
    from ambassador.providers import registry

    base = registry.all_classes()["linkedin"]

    class Recording(base):  # type: ignore[valid-type, misc]
        def publish(self, *, account, request):
            return recorder.publish(account.external_id, request.idempotency_key)

    monkeypatch.setattr(registry, "get", lambda name, config=None: Recording(config or {}))


def test_threads_stay_fed_while_one_account_is_slow_and_no_account_is_twice_in_flight(own_app, network,
                                                                                      monkeypatch):
    from ambassador.extensions import db as ext_db

    ids = seed_due_shares(own_app, posts=3, accounts=4)  # 4 accounts × 3 shares, PUBLISH_THREADS=4
    recorder = InFlight(others=9)
    recording_network(monkeypatch, network, recorder)
    with own_app.app_context():
        counts = publisher.dispatch_due_shares(own_app)
        rows = ext_db.session.execute(sa.select(Share.idempotency_key, Share.status, SocialAccount.external_id,
                                                Share.next_attempt_at, Share.id)
                                      .join(SocialAccount, Share.account_id == SocialAccount.id)).all()
    assert recorder.problems == []
    # The slow account's first call ran while all nine calls of the three others went out: the pool was
    # fed again as threads freed up (two shares of each other account were claimed after it began).
    assert recorder.all_others_done.is_set() and recorder.most_accounts_with_slow >= 3
    assert recorder.most_per_account == 1  # never two calls of one account in flight in this worker
    assert counts["claimed"] == counts["published"] == len(ids) == 12 and counts["claim_rounds"] > 1
    assert {status for _key, status, *_ in rows} == {"published"}
    assert sorted(key for _account, key in recorder.calls) == sorted(key for key, *_ in rows)
    for acct in {external_id for _key, _status, external_id, *_ in rows}:  # each account's shares in order
        due_order = [key for key, _s, external_id, *_ in sorted(rows, key=lambda r: (r[3], r[4]))
                     if external_id == acct]
        assert [key for account_id, key in recorder.calls if account_id == acct] == due_order


def test_a_stop_hands_back_the_claimed_shares_not_yet_sent_and_claims_no_more(own_app, network, monkeypatch):
    from ambassador.extensions import db as ext_db

    ids = seed_due_shares(own_app, posts=2, accounts=4)
    stop = threading.Event()
    network.answer(stop.set)  # the first call asks the worker to stop (and succeeds)
    with own_app.app_context():
        counts = publisher.dispatch_due_shares(own_app, stop=stop)
        rows = ext_db.session.execute(sa.select(Share.status, Share.attempts, Share.lease_owner,
                                                Share.sending_at)).all()
        again = publisher.dispatch_due_shares(own_app, stop=stop)
    sent = len(network.calls)
    # One claim round only (one share per account, as many as threads), then nothing more.
    assert counts["claimed"] == 4 and counts["claim_rounds"] == 1 and again["claimed"] == 0
    assert counts["published"] == sent >= 1 and counts.get("released", 0) == 4 - sent
    assert sorted(status for status, *_ in rows) == ["published"] * sent + ["scheduled"] * (len(ids) - sent)
    assert all(attempts == 0 and lease is None and sending is None
               for status, attempts, lease, sending in rows if status == "scheduled")


def test_the_database_pool_holds_a_connection_per_publishing_thread_and_the_claimer(own_app):
    from ambassador.extensions import db as ext_db
    from config import publishing_pool_options

    options = publishing_pool_options({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/x", "PUBLISH_THREADS": 12,
                                       "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}})
    assert options == {"pool_pre_ping": True, "pool_size": 13, "max_overflow": 10}
    assert publishing_pool_options({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/x", "PUBLISH_THREADS": 2,
                                    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20, "max_overflow": 0}}) == {
        "pool_size": 20, "max_overflow": 0}
    sqlite = {"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db", "PUBLISH_THREADS": 12, "SQLALCHEMY_ENGINE_OPTIONS": {}}
    assert publishing_pool_options(sqlite) == {}
    with own_app.app_context():
        if ext_db.engine.dialect.name == "postgresql":
            assert ext_db.engine.pool.size() >= own_app.config["PUBLISH_THREADS"] + 1
