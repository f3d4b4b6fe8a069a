"""The worker records the shares the networks confirmed in plain statements (services/publishing/published.py): the
shares, their points and their rollups equal what the same raw rows give when the rollups are rebuilt from them."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import PointsEntry, RollupCell, RollupPostDay, Share, utcnow
from ambassador.providers.base import ErrorKind
from ambassador.services.analytics import rebuild
from ambassador.services.community import points
from ambassador.services.publishing import dispatch, leases
from tests.services.analytics.test_rollups_property import _check_counts, _snapshot

from .fakes import account, due_share, error

WORKER = "test-worker"


@pytest.mark.parametrize("queued", [False, True], ids=["added", "queued"])
def test_a_recorded_batch_gives_the_rollups_its_raw_rows_give(db, make, network, queued):
    # A time zone a day ahead of UTC for part of the day: the cells' day is the organization's.
    org = make.org(points_share=5, daily_share_points_cap=12, timezone="Pacific/Kiritimati")
    team = make.team(org)
    ann, bob = make.member(org, name="Ann", teams=[team]), make.member(org, name="Bob")
    campaign, other = make.campaign(org), make.campaign(org)
    first, second, third = make.post(campaign), make.post(campaign), make.post(other)
    rebuild.rebuild_standings(org=org)
    db.session.commit()
    shares = [
        due_share(ann, first, account(db, ann, "linkedin"), minutes_ago=9),
        due_share(ann, first, account(db, ann, "linkedin"), minutes_ago=8),  # the same post and network: no points
        due_share(ann, second, account(db, ann, "x"), minutes_ago=7),
        due_share(ann, third, account(db, ann, "mastodon"), minutes_ago=6),  # over the daily cap of 12: 2 points
        due_share(ann, third, account(db, ann, "bluesky"), minutes_ago=5),  # the cap reached: none
        due_share(bob, first, account(db, bob, "facebook"), minutes_ago=4),  # Facebook earns none
        due_share(bob, second, account(db, bob, "linkedin"), minutes_ago=3),  # rate limited: not published
        due_share(bob, third, account(db, bob, "x"), minutes_ago=2),
    ]
    db.session.commit()
    assert leases.claim_due_shares(worker_id=WORKER, limit=20) == sorted(s.id for s in shares)
    ready, settled = dispatch.prepare([s.id for s in shares], worker_id=WORKER)
    assert settled == {}
    limited = shares[6].id
    sent = [dispatch.send(o) if o.share_id != limited else
            dispatch.Sent(limited, error=error(ErrorKind.RATE_LIMITED, retry_at=utcnow() + timedelta(minutes=5)))
            for o in ready]
    recorded = dispatch.record_outcomes(sent, worker_id=WORKER, queue_standings=queued)
    assert recorded == {s.id: "rate_limited" if s.id == limited else "published" for s in shares}
    if queued:
        assert dispatch.add_queued_standings() > 0
    db.session.expire_all()
    rows = {s.id: (s.status, s.lease_owner, s.error, s.published_at is not None, s.external_id is not None)
            for s in db.session.scalars(sa.select(Share))}
    assert rows == {s.id: ("scheduled", None, "boom", False, False) if s.id == limited
                    else ("published", None, None, True, True) for s in shares}
    paid = dict(db.session.execute(sa.select(PointsEntry.share_id, PointsEntry.points)).tuples().all())
    assert paid == {shares[0].id: 5, shares[2].id: 5, shares[3].id: 2, shares[7].id: 5}
    assert (points.balance(ann.id), points.balance(bob.id)) == (12, 5)

    recorded_rollups = _snapshot(db, org)
    cells = recorded_rollups["cells"]
    assert sum(row[1] for row in cells.values()) == 7 and sum(row[0] for row in cells.values()) == 17
    _check_counts(db, org)
    for model in (RollupCell, RollupPostDay):
        db.session.execute(sa.delete(model).where(model.org_id == org.id))
    for batch in rebuild.batches(org):
        rebuild.rebuild_batch(org=org, batch=batch)
    rebuild.rebuild_standings(org=org)
    assert _snapshot(db, org) == recorded_rollups
