import os
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from ambassador.infra.click_buffer import ClickBuffer
from ambassador.models import Click, PointsEntry
from ambassador.services.community import points
from ambassador.services.publishing import click_sink, clicks
from ambassador.services.publishing.clicks import hour_bucket, pending_click, visitor_hash, write_clicks
from ambassador.services.publishing.tracked_links import resolve

from .test_tracked_links import make_link

T0 = datetime(2025, 3, 12, 10, 50)


def pend(link, *, visitor="198.51.100.7", at=T0, referrer=None):
    """A click from the address `visitor`."""
    return pending_click(resolve(link.code), salt="s", ip=visitor, referrer=referrer, at=at)


def count_clicks(db, link=None, org=None):
    q = sa.select(sa.func.count(Click.id))
    if link is not None:
        q = q.where(Click.tracked_link_id == link.id)
    if org is not None:
        q = q.where(Click.org_id == org.id)
    return db.session.scalar(q)


def test_visitor_hash_is_keyed_and_never_the_address():
    h = visitor_hash(salt="s", ip="203.0.113.9")
    assert len(h) == 64 and "203.0.113.9" not in h
    assert h == visitor_hash(salt="s", ip="203.0.113.9")
    assert h != visitor_hash(salt="other", ip="203.0.113.9")
    assert h != visitor_hash(salt="s", ip="203.0.113.10")


def test_an_ipv6_visitor_is_their_64_network():
    one = visitor_hash(salt="s", ip="2001:db8:1:2::1")
    assert one == visitor_hash(salt="s", ip="2001:db8:1:2:ffff:abcd:1234:5678")  # same /64: same visitor
    assert one != visitor_hash(salt="s", ip="2001:db8:1:3::1")
    assert visitor_hash(salt="s", ip="::ffff:203.0.113.9") == visitor_hash(salt="s", ip="203.0.113.9")


def test_referrer_host_only():
    assert clicks.referrer_host("https://www.linkedin.com/feed/update/urn:li:activity:1?x=y") == "www.linkedin.com"
    assert clicks.referrer_host(None) == clicks.referrer_host("not a url") == ""


def test_one_click_per_visitor_per_link_per_sliding_hour(make, db):
    link = make_link(make)
    # 10:50 counts; 11:20 is another hour bucket but within the sliding hour; 11:55 is 65 minutes later.
    assert write_clicks([pend(link, at=T0)]) == 1
    assert write_clicks([pend(link, at=T0 + timedelta(minutes=30))]) == 0
    assert write_clicks([pend(link, at=T0 + timedelta(minutes=65))]) == 1
    # another visitor, or the same visitor on another link, counts
    assert write_clicks([pend(link, visitor="198.51.100.8", at=T0 + timedelta(minutes=1))]) == 1
    assert write_clicks([pend(make_link(make), at=T0)]) == 1
    assert count_clicks(db, link) == 3


def test_around_midnight_the_hour_rule_spans_the_days_and_the_daily_cap_does_not(make, db, app, monkeypatch):
    """The stored clicks looked at reach into the previous day's last hour: one 55 minutes before still holds
    the click back, one 65 minutes before neither does nor takes the new day's only slot."""
    monkeypatch.setitem(app.config, "CLICKS_PER_ADDRESS_PER_LINK_PER_DAY", 1)
    midnight = datetime(2025, 3, 13)
    near, far = make_link(make), make_link(make)
    before = [pend(near, at=midnight - timedelta(minutes=45)), pend(far, at=midnight - timedelta(minutes=55))]
    assert write_clicks(before) == 2
    after = midnight + timedelta(minutes=10)
    assert write_clicks([pend(near, at=after), pend(far, at=after)]) == 1  # near: 55 minutes; far: 65, a new day
    assert count_clicks(db, near) == 1 and count_clicks(db, far) == 2


def hours_apart(link, n, *, start=T0, visitor="198.51.100.7"):
    """n clicks from one address, 61 minutes apart (each outside the previous one's hour)."""
    return [pend(link, visitor=visitor, at=start + timedelta(minutes=61 * i)) for i in range(n)]


def test_an_address_counts_again_after_an_hour_up_to_the_daily_cap(make, db, app):
    assert app.config["CLICKS_PER_ADDRESS_PER_LINK_PER_DAY"] == 3  # the production default
    link = make_link(make)
    counted = [write_clicks([click]) for click in hours_apart(link, 5)]  # 10:50, 11:51 … 14:54, one UTC day
    assert counted == [1, 1, 1, 0, 0]
    # The next UTC day starts afresh; another address was never limited by this one.
    assert write_clicks(hours_apart(link, 4, start=T0 + timedelta(days=1))) == 3
    assert write_clicks(hours_apart(link, 4, visitor="198.51.100.99")) == 3
    assert count_clicks(db, link) == 9


def test_the_daily_cap_holds_within_one_batch_and_per_link(make, db):
    link, other = make_link(make), make_link(make)
    assert write_clicks(hours_apart(link, 6) + hours_apart(other, 6)) == 6
    assert count_clicks(db, link) == count_clicks(db, other) == 3


def test_the_daily_cap_comes_from_the_configuration(make, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "CLICKS_PER_ADDRESS_PER_LINK_PER_DAY", 1)
    link = make_link(make)
    assert write_clicks(hours_apart(link, 3)) == 1


def test_points_follow_the_counted_clicks_only(make, db):
    org = make.org(points_click=2, daily_click_points_cap=1000)
    member = make.member(org)
    link = make_link(make, org=org, member=member, network="linkedin")
    repeats = [pend(link, at=T0 + timedelta(minutes=m)) for m in range(0, 60, 3)]  # 20 within the hour
    assert write_clicks(repeats + hours_apart(link, 6)[1:]) == 3
    paid = db.session.scalars(sa.select(PointsEntry.click_id).where(PointsEntry.membership_id == member.id)).all()
    stored = db.session.scalars(sa.select(Click.id).where(Click.tracked_link_id == link.id)).all()
    assert sorted(paid) == sorted(stored) and points.balance(member.id) == 6


def test_day_slots_guard_the_cap_against_a_racing_writer(make, db, monkeypatch):
    link = make_link(make)
    assert write_clicks(hours_apart(link, 3)) == 3
    # Another process stored those three while we were not looking: our fourth click of the day
    # (in an hour bucket of its own) takes slot 0, which is taken, so it is not stored.
    monkeypatch.setattr(clicks, "_counted_near", lambda pending: __import__("collections").defaultdict(list))
    assert write_clicks([pend(link, at=T0 + timedelta(hours=5))]) == 0
    assert count_clicks(db, link) == 3
    assert points.balance(link.membership_id) == 3
    slots = db.session.execute(sa.select(Click.day_bucket, Click.day_slot).where(Click.tracked_link_id == link.id)
                               .order_by(Click.day_slot)).all()
    assert slots == [(clicks.day_bucket(T0), 0), (clicks.day_bucket(T0), 1), (clicks.day_bucket(T0), 2)]


def test_repeats_within_one_batch_are_deduped_in_time_order(make, db):
    link = make_link(make)
    batch = [pend(link, at=T0 + timedelta(minutes=40)), pend(link, at=T0), pend(link, at=T0 + timedelta(minutes=61)),
             pend(link, visitor="198.51.100.9", at=T0 + timedelta(minutes=5))]
    assert write_clicks(batch) == 3
    stored = db.session.scalars(sa.select(Click.created_at).where(Click.tracked_link_id == link.id)
                                .order_by(Click.created_at)).all()
    assert stored == [T0, T0 + timedelta(minutes=5), T0 + timedelta(minutes=61)]


def test_a_click_arriving_late_is_checked_against_a_later_stored_one(make, db):
    # Another process already stored 11:10; our buffered 10:50 must not count as well.
    link = make_link(make)
    assert write_clicks([pend(link, at=T0 + timedelta(minutes=20))]) == 1
    assert write_clicks([pend(link, at=T0)]) == 0


def test_unique_constraint_guards_a_race_without_failing_the_batch(make, db, monkeypatch):
    link = make_link(make)
    write_clicks([pend(link, at=T0)])
    # Pretend the other process's row was not visible when we checked the window.
    monkeypatch.setattr(clicks, "_counted_near", lambda pending: __import__("collections").defaultdict(list))
    assert write_clicks([pend(link, at=T0 + timedelta(minutes=1)), pend(link, visitor="198.51.100.10", at=T0)]) == 1
    assert count_clicks(db, link) == 2
    assert points.balance(link.membership_id) == 2  # the conflicting click paid nothing


def test_counted_clicks_award_points_with_the_daily_cap(make, db):
    org = make.org(points_click=3, daily_click_points_cap=10)
    member = make.member(org)
    link = make_link(make, org=org, member=member, network="linkedin")
    db.session.add(PointsEntry(org_id=org.id, membership_id=member.id, points=2, reason="click",
                               day=points.local_day(org, T0), created_at=T0))
    assert write_clicks([pend(link, visitor=f"203.0.113.{i}", at=T0 + timedelta(seconds=i)) for i in range(5)]) == 5
    awarded = db.session.scalars(sa.select(PointsEntry.points).where(
        PointsEntry.membership_id == member.id, PointsEntry.click_id.is_not(None)).order_by(PointsEntry.id)).all()
    assert awarded == [3, 3, 2]  # 2 already earned today + 8 = the cap of 10
    assert points.balance(member.id) == 10


def test_facebook_clicks_are_stored_but_earn_nothing(make, db):
    link = make_link(make, network="facebook")
    assert write_clicks([pend(link)]) == 1
    assert points.balance(link.membership_id) == 0


def test_clicks_of_a_deleted_link_are_dropped(make, db):
    link = make_link(make)
    gone = pend(link)
    db.session.delete(link)
    db.session.flush()
    assert write_clicks([gone]) == 0


def test_clicks_stay_in_their_organization(make, db):
    org_a, org_b = make.org(), make.org()
    link_a, link_b = make_link(make, org=org_a), make_link(make, org=org_b)
    write_clicks([pend(link_a), pend(link_a, visitor="203.0.113.200")])
    assert count_clicks(db, org=org_a) == 2 and count_clicks(db, org=org_b) == 0
    assert count_clicks(db, link_b) == 0
    assert points.balance(link_b.membership_id) == 0
    assert db.session.scalar(sa.select(sa.func.count(PointsEntry.id)).where(PointsEntry.org_id == org_b.id)) == 0
    row = db.session.scalar(sa.select(Click).where(Click.tracked_link_id == link_a.id).limit(1))
    assert row.hour_bucket == hour_bucket(T0)


@pytest.fixture
def async_app(app, monkeypatch):
    """The app in buffered mode; the flusher would only wake after an hour or 1000 clicks."""
    monkeypatch.setitem(app.config, "CLICK_BUFFER_SYNC", False)
    monkeypatch.setitem(app.config, "CLICK_FLUSH_INTERVAL", 3600)
    monkeypatch.setitem(app.config, "CLICK_FLUSH_BATCH", 1000)
    return app


def test_buffered_clicks_are_written_by_the_shutdown_flush(async_app, make, db):
    link = make_link(make)
    buffer = ClickBuffer(async_app, write=write_clicks)
    for click in (pend(link), pend(link, visitor="203.0.113.2"), pend(link, at=T0 + timedelta(minutes=1))):
        assert buffer.submit(click) is False
    assert buffer._thread is not None and buffer._thread.is_alive()  # started on first use
    assert len(buffer) == 3 and count_clicks(db, link) == 0

    assert buffer.shutdown() == 2  # the repeat is deduped
    assert buffer._thread is None and len(buffer) == 0
    assert count_clicks(db, link) == 2
    assert points.balance(link.membership_id) == 2


def test_a_full_batch_is_flushed_in_batches(async_app, make, db, monkeypatch):
    monkeypatch.setitem(async_app.config, "CLICK_FLUSH_BATCH", 2)
    link = make_link(make)
    batches = []
    buffer = ClickBuffer(async_app, write=lambda batch: batches.append(len(batch)) or write_clicks(batch))
    buffer._start = lambda: None  # no flusher thread: flush by hand
    for i in range(5):
        buffer.submit(pend(link, visitor=f"203.0.113.{i}"))
    assert buffer.flush() == 5
    assert batches == [2, 2, 1]


def test_the_daily_cap_holds_across_buffered_batches(async_app, make, db, monkeypatch):
    monkeypatch.setitem(async_app.config, "CLICK_FLUSH_BATCH", 2)
    link = make_link(make)
    buffer = ClickBuffer(async_app, write=write_clicks)
    buffer._start = lambda: None  # no flusher thread: flush by hand
    for click in hours_apart(link, 7):
        buffer.submit(click)
    assert buffer.flush() == 3 and count_clicks(db, link) == 3


def test_a_failed_write_keeps_the_batch_for_the_next_round(async_app, make, db, monkeypatch):
    monkeypatch.setattr("ambassador.infra.click_buffer.WRITE_ATTEMPTS", 1)
    link = make_link(make)
    calls = []

    def flaky(batch):
        calls.append(len(batch))
        if len(calls) == 1:
            raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))
        return write_clicks(batch)

    buffer = ClickBuffer(async_app, write=flaky)
    buffer._start = lambda: None
    buffer.submit(pend(link))
    assert buffer.flush() == 0 and len(buffer) == 1
    assert buffer.flush() == 1 and count_clicks(db, link) == 1


def test_a_forked_child_starts_its_own_buffer_and_flusher(async_app, make, db):
    link = make_link(make)
    buffer = ClickBuffer(async_app, write=write_clicks)
    buffer.submit(pend(link, visitor="203.0.113.1"))
    parent_thread, parent_stop, parent_wake = buffer._thread, buffer._stop, buffer._wake
    buffer._pid = os.getpid() + 1  # as if this process were a child forked after the parent's first click
    try:
        buffer.submit(pend(link, visitor="203.0.113.2"))
        assert buffer._thread is not parent_thread and len(buffer) == 1
        assert buffer.shutdown() == 1
    finally:
        parent_stop.set()
        parent_wake.set()
        parent_thread.join()
    hashes = db.session.scalars(sa.select(Click.visitor_hash).where(Click.tracked_link_id == link.id)).all()
    assert hashes == [visitor_hash(salt="s", ip="203.0.113.2")]


def test_sync_mode_writes_in_the_callers_session(app, make, db):
    link = make_link(make)
    assert app.config["CLICK_BUFFER_SYNC"] is True
    assert click_sink.submit(app, pend(link)) is True
    assert count_clicks(db, link) == 1
