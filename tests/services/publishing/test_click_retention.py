"""Visitor hashes of clicks are dropped after the retention; the clicks keep counting."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.jobs import tasks
from ambassador.jobs.definitions import by_name
from ambassador.models import Click, utcnow
from ambassador.services.publishing import click_retention


def _hashes(db, org):
    return dict(db.session.execute(sa.select(Click.id, Click.visitor_hash).where(Click.org_id == org.id)).all())


def test_old_hashes_are_dropped_in_batches_and_counts_stay(app, db, make, act, monkeypatch):
    monkeypatch.setitem(app.config, "CLICK_VISITOR_HASH_RETENTION_DAYS", 30)
    org = make.org()
    member = make.member(org)
    post = make.post(make.campaign(org))
    now = utcnow()
    old = [act.click(member, post, now - timedelta(days=31, hours=h)) for h in range(5)]
    recent = [act.click(member, post, now - timedelta(days=29, hours=h)) for h in range(2)]
    db.session.commit()
    assert click_retention.drop_old_visitor_hashes(now=now, batch=2) == 5
    db.session.expire_all()
    hashes = _hashes(db, org)
    assert len(hashes) == 7  # every click still counts
    assert all(hashes[c.id] is None for c in old) and all(hashes[c.id] for c in recent)
    assert click_retention.drop_old_visitor_hashes(now=now, batch=2) == 0  # nothing left to do


def test_a_bounded_run_leaves_the_rest_for_the_next(app, db, make, act):
    org = make.org()
    member = make.member(org)
    post = make.post(make.campaign(org))
    for h in range(5):
        act.click(member, post, utcnow() - timedelta(days=40, hours=h))
    assert click_retention.drop_old_visitor_hashes(batch=2, max_batches=1) == 2
    asked = iter([False, True])  # the worker is asked to stop after the first batch
    assert click_retention.drop_old_visitor_hashes(batch=2, stop=lambda: next(asked)) == 2
    assert click_retention.drop_old_visitor_hashes(batch=2) == 1


@pytest.mark.parametrize(("configured", "kept"), [(30, 30), (0, 2), (1, 2), (400, 400)])
def test_the_retention_never_goes_below_the_counting_rules(app, monkeypatch, configured, kept):
    monkeypatch.setitem(app.config, "CLICK_VISITOR_HASH_RETENTION_DAYS", configured)
    now = utcnow()
    assert click_retention.cutoff(now) == now - timedelta(days=kept)


def test_the_worker_runs_it(app, db, make, act):
    org = make.org()
    member = make.member(org)
    post = make.post(make.campaign(org))
    click = act.click(member, post, utcnow() - timedelta(days=90))
    assert by_name("drop_old_visitor_hashes").func is tasks.drop_old_visitor_hashes
    assert tasks.drop_old_visitor_hashes() == {"cleared": 1}
    db.session.expire_all()
    assert db.session.get(Click, click.id).visitor_hash is None
