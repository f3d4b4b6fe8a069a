"""Fair turns in the publishing queue: once one of an account's shares went out, its other due shares queue behind
every share that fell due meanwhile (services/publishing/leases.py requeue_behind), in their own order."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ambassador.models import Share, utcnow
from ambassador.services.publishing import dispatch, leases

from .fakes import account, due_share

WORKER = "test-worker"


def _publish_in_turn(db, shares: dict[str, Share]) -> list[str]:
    """Claim one share at a time (as a worker with one free thread would) and publish it; the order they went in."""
    names = {share.id: name for name, share in shares.items()}
    order = []
    while claimed := leases.claim_next_shares(worker_id=WORKER, limit=1):
        [share_id] = claimed
        assert dispatch.publish_claimed(share_id, worker_id=WORKER) == "published"
        order.append(names[share_id])
    return order


def test_an_account_with_many_shares_due_takes_one_turn_at_a_time(db, network, make, member, post):
    campaign = post.campaign
    org = member.organization
    ann, bob, cy = (account(db, m) for m in (member, make.member(org), make.member(org)))
    shares = {"ann1": due_share(member, post, ann, minutes_ago=30),
              "ann2": due_share(member, make.post(campaign), ann, minutes_ago=29),
              "ann3": due_share(member, make.post(campaign), ann, minutes_ago=28),
              "bob1": due_share(bob.membership, post, bob, minutes_ago=20),
              "bob2": due_share(bob.membership, make.post(campaign), bob, minutes_ago=19),
              "cy1": due_share(cy.membership, post, cy, minutes_ago=10)}
    db.session.commit()
    # First come, first served would send ann1, ann2, ann3, bob1, bob2, cy1: Bob and Cy waited for all of Ann's.
    assert _publish_in_turn(db, shares) == ["ann1", "bob1", "cy1", "ann2", "bob2", "ann3"]


def test_requeue_moves_only_that_accounts_due_shares_and_keeps_their_order(db, network, make, member, post):
    campaign = post.campaign
    mine, other = account(db, member), account(db, make.member(member.organization))
    second = due_share(member, make.post(campaign), mine, minutes_ago=8)  # created first: the lower id
    first = due_share(member, make.post(campaign), mine, minutes_ago=9)
    later = due_share(member, make.post(campaign), mine)
    later.next_attempt_at = later.scheduled_at = utcnow() + timedelta(hours=1)  # not due: left as it is
    elsewhere = due_share(other.membership, post, other, minutes_ago=7)
    db.session.commit()
    due = {share.id: share.next_attempt_at for share in (first, second, later, elsewhere)}
    now = utcnow()
    leases.requeue_behind(db.session.connection(), [mine.id], now=now)
    db.session.commit()
    after = dict(db.session.execute(sa.select(Share.id, Share.next_attempt_at)).tuples().all())
    assert after[first.id] == after[second.id] == now
    assert after[later.id] == due[later.id] and after[elsewhere.id] == due[elsewhere.id]
    # Both now due at the same moment: the one scheduled first still goes first.
    assert leases.claim_next_shares(worker_id=WORKER, limit=2) == {elsewhere.id: other.id, first.id: mine.id}
