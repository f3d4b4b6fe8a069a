"""The database-backed throttle: plain limits, doubling waits, forgetting, purging — and, with real
threads on a real database (a SQLite file, or PostgreSQL), parallel logins that cannot pass the limit."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import sqlalchemy as sa

from ambassador.infra import throttle
from ambassador.jobs import definitions
from ambassador.models import OutboxEmail, ThrottleCounter

from ..web.test_login_throttle import spy_on_password_checks

T0 = datetime(2026, 12, 5, 9, 0, 0)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_plain_limit_lets_n_through_per_window(db):
    policy = throttle.Policy("signup", limit=2, window=60)
    check = (policy, throttle.key("signup", "198.51.100.7"))
    assert [throttle.hit(check, now=_at(s)).retry_after for s in (0, 10, 20, 59)] == [0, 0, 40, 1]
    assert throttle.hit(check, now=_at(60)).allowed  # a new window
    other = (policy, throttle.key("signup", "203.0.113.9"))
    assert throttle.hit(other, now=_at(20)).allowed


def test_a_backoff_doubles_the_wait_up_to_its_maximum_and_forgets_after_a_quiet_window(db):
    policy = throttle.Policy("login", limit=2, window=600, first_delay=1, max_delay=4)
    check = (policy, throttle.key("login", "a"))
    seen = [(s, throttle.hit(check, now=_at(s)).retry_after)
            for s in (0, 0, 0, 1, 2, 3, 6, 7, 10, 11, 14.5, 15)]
    # two free, then waits of 1, 2, 4 and 4 seconds (the maximum) after each attempt let through
    assert seen == [(0, 0), (0, 0), (0, 1), (1, 0), (2, 1), (3, 0), (6, 1), (7, 0), (10, 1), (11, 0),
                    (14.5, 1), (15, 0)]
    assert throttle.hit(check, now=_at(15 + 4 + 600)).allowed  # ten quiet minutes after the wait: forgotten
    assert throttle.hit(check, now=_at(15 + 4 + 600)).allowed


def test_nothing_is_counted_when_one_key_says_wait(db):
    tight = throttle.Policy("tight", limit=1, window=60)
    loose = throttle.Policy("loose", limit=5, window=60)
    assert throttle.hit((tight, "k"), (loose, "k"), now=T0).allowed
    assert throttle.hit((tight, "k"), (loose, "k"), now=T0).retry_after == 60
    hits = dict(db.session.execute(sa.select(ThrottleCounter.scope, ThrottleCounter.hits)).all())
    assert hits == {"tight": 1, "loose": 1}


def test_counters_that_count_nothing_are_purged_by_a_job(db):
    throttle.hit((throttle.Policy("a", limit=5, window=60), "k"), now=_at(0))
    throttle.hit((throttle.Policy("b", limit=5, window=60), "k"), now=_at(-3600))
    assert definitions.by_name("purge_throttle_counters").func(now=_at(30)) == {"purged": 1}
    assert db.session.scalars(sa.select(ThrottleCounter.scope)).all() == ["a"]


# --- real concurrency: threads with their own sessions, connections and commits ------------------


def _parallel_posts(app, url: str, requests: list[tuple[dict, str]]) -> list[int]:
    """Each (form data, address) POSTed at once, a real request in its own thread; returns the status codes."""
    start = threading.Barrier(len(requests))
    statuses: list[int] = []
    crashed: list[BaseException] = []

    def attempt(data: dict, address: str) -> None:
        client = app.test_client()
        try:
            start.wait(timeout=30)
            statuses.append(client.post(url, data=data, environ_base={"REMOTE_ADDR": address}).status_code)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            crashed.append(exc)

    threads = [threading.Thread(target=attempt, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert crashed == []
    return statuses


def test_parallel_wrong_passwords_never_pass_the_limit_nor_fail(own_app, monkeypatch):  # noqa: F811
    from ambassador.extensions import db as ext_db
    from tests.factories import Factory

    # A first wait far longer than the race, so every attempt after the limit must be refused.
    own_app.config["LOGIN_FIRST_DELAY_SECONDS"] = 600
    with own_app.app_context():
        email = Factory(ext_db).user(email="target@example.test").email
        ext_db.session.commit()
    checked = spy_on_password_checks(monkeypatch)

    statuses = _parallel_posts(own_app, "/login", [({"email": email, "password": "wrong guess"}, "198.51.100.7")] * 40)

    limit = own_app.config["LOGIN_FAILURES_PER_ACCOUNT_ADDRESS"]
    assert sorted(statuses) == [200] * limit + [429] * (40 - limit)  # no 500 "database is locked"
    assert len(checked) == limit
    # The owner, from another address, is not locked out.
    owner = own_app.test_client()
    response = owner.post("/login", data={"email": email, "password": "correct horse battery"},
                          environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 302


def test_parallel_reset_requests_for_one_email_send_at_most_the_limit(own_app):  # noqa: F811
    from ambassador.extensions import db as ext_db
    from tests.factories import Factory

    with own_app.app_context():
        email = Factory(ext_db).user(email="victim@example.test").email
        ext_db.session.commit()
    statuses = _parallel_posts(own_app, "/password/forgot", [({"email": email}, f"192.0.2.{n}") for n in range(20)])
    assert statuses == [302] * 20  # the same answer for all
    with own_app.app_context():
        sent = ext_db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)))
    assert sent == own_app.config["FORM_THROTTLES"]["password_reset_email"][0]
