"""Email digests: what they say (new live posts for the member, their results from the rollups, the manager's
week), in the member's language, once per period, skipped when empty, with one-click unsubscribe headers."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from ambassador.infra import email as email_infra
from ambassador.models import Membership, OutboxEmail, utcnow
from ambassador.services.notify import digests
from ambassador.services.publishing import sharing


@pytest.fixture(autouse=True)
def from_midnight(app, monkeypatch):
    """Digests may go out from local midnight: whenever the test runs, today's is due."""
    monkeypatch.setitem(app.config, "DIGEST_LOCAL_HOUR", 0)


def _mails(db, org):
    return db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.org_id == org.id).order_by(OutboxEmail.id)).all()


def _due_ids(now=None):
    return [mid for batch in digests.due(now=now) for mid, _period in batch]


def test_period_keys_follow_the_local_hour_and_the_iso_week():
    monday_early = datetime(2026, 12, 7, 7, 59)
    monday = datetime(2026, 12, 7, 8, 0)
    assert digests.period_key("daily", monday_early, hour=8) is None
    assert digests.period_key("daily", monday, hour=8) == "2026-12-07"
    assert digests.period_key("weekly", monday_early, hour=8) is None
    assert digests.period_key("weekly", monday, hour=8) == "2026-W50"
    assert digests.period_key("weekly", datetime(2026, 12, 7, 23, 0), hour=8) == "2026-W50"
    assert digests.period_key("weekly", datetime(2026, 12, 8, 9, 0), hour=8) is None  # Mondays only
    assert digests.period_key("daily", datetime(2026, 12, 8, 23, 59), hour=8) == "2026-12-08"
    assert digests.period_key("off", monday, hour=8) is None


def test_due_is_computed_in_each_members_time_zone(app, db, make, monkeypatch):
    monkeypatch.setitem(app.config, "DIGEST_LOCAL_HOUR", 8)
    org = make.org()
    brussels = make.member(org, timezone="Europe/Brussels")
    tokyo = make.member(org, timezone="Asia/Tokyo")
    for m in (brussels, tokyo):
        m.digest_frequency = "daily"
    db.session.flush()
    now = datetime(2026, 12, 5, 1, 30)  # 02:30 in Brussels, 10:30 in Tokyo
    assert _due_ids(now) == [tokyo.id]
    assert sorted(_due_ids(now + timedelta(hours=7))) == sorted([brussels.id, tokyo.id])


def test_daily_digest_has_the_new_posts_the_member_may_share_and_their_results(db, make):
    org = make.org(name="Brasserie Lumière", points_share=5)
    north, south = make.team(org), make.team(org)
    me = make.member(org, teams=[north], locale="nl", name="Anke")
    me.digest_frequency = "daily"
    me.digest_sent_at = utcnow() - timedelta(hours=3)
    campaign = make.campaign(org, title="Winter menu")
    fresh = make.post(campaign, title="Our new soup", published_at=utcnow() - timedelta(hours=1))
    mine = make.post(campaign, title="For the north", published_at=utcnow() - timedelta(hours=2))
    mine.teams = [north]
    elsewhere = make.post(campaign, title="For the south only", published_at=utcnow() - timedelta(hours=1))
    elsewhere.teams = [south]
    make.post(campaign, title="Seen yesterday", published_at=utcnow() - timedelta(hours=5))
    make.post(campaign, title="Not approved", status="draft", published_at=utcnow() - timedelta(hours=1))
    sharing.share_post(membership=me, post=fresh, network="x", caption=None)
    db.session.flush()

    assert digests.send_digest(membership_id=me.id, period="2026-12-05") == "sent"
    [mail] = _mails(db, org)
    assert mail.to == me.user.email
    assert "Our new soup" in mail.body_text and "For the north" in mail.body_text
    assert "For the south only" not in mail.body_text and "Seen yesterday" not in mail.body_text
    assert "Not approved" not in mail.body_text
    # The member's language (Dutch), counted with plural forms, and the HTML part says so.
    assert "2 nieuwe berichten om te delen" in mail.body_text
    assert "1 gedeeld bericht, 0 getelde klikken, 5 punten" in mail.body_text
    assert "Plaats 1 van 1" in mail.body_text
    assert "Hallo Anke," in mail.body_text
    assert mail.body_html is not None and '<html lang="nl">' in mail.body_html and "Hallo Anke," in mail.body_html
    assert "Our new soup" in mail.body_html


def test_each_period_is_sent_once_even_when_two_workers_race(db, make):
    org = make.org()
    me = make.member(org)
    me.digest_frequency = "daily"
    make.post(make.campaign(org), title="Fresh")
    db.session.flush()

    assert _due_ids() == [me.id]
    [(mid, period)] = [pair for batch in digests.due() for pair in batch]
    # Two workers got the same list: the conditional UPDATE lets one of them send.
    assert digests.send_digest(membership_id=mid, period=period) == "sent"
    assert digests.send_digest(membership_id=mid, period=period) == "taken"
    assert len(_mails(db, org)) == 1
    assert _due_ids() == []  # nothing more this period
    assert db.session.get(Membership, me.id).digest_period == period


def test_empty_digests_are_skipped_but_the_period_is_counted(db, make):
    org = make.org()
    me = make.member(org)
    me.digest_frequency = "daily"
    db.session.flush()
    assert digests.send_digest(membership_id=me.id, period="2026-12-05") == "empty"
    assert _mails(db, org) == []
    assert db.session.get(Membership, me.id).digest_period == "2026-12-05"


def test_off_and_deactivated_members_get_nothing(db, make):
    org = make.org()
    off = make.member(org)
    off.digest_frequency = "off"
    make.member(org, status="deactivated")
    make.post(make.campaign(org))
    db.session.flush()
    assert _due_ids() == []


def test_members_are_read_in_batches(db, make, monkeypatch):
    monkeypatch.setattr(digests, "BATCH", 2)
    org = make.org()
    members = [make.member(org) for _ in range(5)]
    for m in members:
        m.digest_frequency = "daily"
    db.session.flush()
    batches = list(digests.due())
    assert [len(b) for b in batches] == [2, 2, 1]
    assert sorted(mid for b in batches for mid, _ in b) == sorted(m.id for m in members)


def test_managers_weekly_digest_has_the_organizations_week(db, make):
    org = make.org(name="Lumière")
    manager = make.member(org, role="manager")
    ambassador = make.member(org, name="Sam Sharer")
    post = make.post(make.campaign(org), title="Spring sale", published_at=utcnow() - timedelta(days=10))
    sharing.share_post(membership=ambassador, post=post, network="x", caption=None)
    db.session.flush()

    assert digests.send_digest(membership_id=manager.id, period="2026-W49") == "sent"  # no new post, a busy week
    [mail] = _mails(db, org)
    assert "Lumière this week" in mail.body_text
    assert "1 of 1 ambassador shared" in mail.body_text  # the manager is not counted as an ambassador
    assert "Sam Sharer" in mail.body_text and "Spring sale" in mail.body_text
    # The ambassador's weekly digest has no manager summary; with no new post but a share, it still goes.
    assert digests.send_digest(membership_id=ambassador.id, period="2026-W49") == "sent"
    assert "this week" not in _mails(db, org)[-1].body_text


def test_the_digest_carries_one_click_unsubscribe_headers(db, make):
    org = make.org()
    me = make.member(org)
    make.post(make.campaign(org))
    digests.send_digest(membership_id=me.id, period="2026-W49")
    [mail] = _mails(db, org)
    headers = json.loads(mail.headers)
    link = digests.unsubscribe_link(me)
    assert headers == {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    assert link.startswith("http") and link in mail.body_text


def test_smtp_message_is_multipart_with_the_headers(app, db, make, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def login(self, *args):
            pass

        def send_message(self, message):
            sent.append(message)

    monkeypatch.setattr(email_infra.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.test")
    org = make.org()
    me = make.member(org)
    make.post(make.campaign(org))
    digests.send_digest(membership_id=me.id, period="2026-W49")
    [message] = sent
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"] == f"<{digests.unsubscribe_link(me)}>"
    assert _mails(db, org)[0].sent_at is not None


def test_the_job_sends_due_digests_and_nothing_twice(runner, db, make):
    org = make.org()
    me = make.member(org)
    me.digest_frequency = "daily"
    make.post(make.campaign(org), title="Fresh")
    db.session.commit()
    first = runner.invoke(args=["ambassador", "run-job", "send_digests"])
    assert first.exit_code == 0, first.output
    assert "'sent': 1" in first.output
    again = runner.invoke(args=["ambassador", "run-job", "send_digests"])
    assert "'sent'" not in again.output
    assert len(_mails(db, org)) == 1
