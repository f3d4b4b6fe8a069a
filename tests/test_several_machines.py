"""Running on several machines (docs/several-machines.md), on one: two gunicorn web processes and two workers
on loopback, sharing one PostgreSQL database, as two hosts behind a load balancer would.

Checks that what must hold across processes does: a click is counted once and paid once whichever web
process took it and whichever worker drained it; a form throttle counts an address's attempts on both web
processes together; every due share is published exactly once, against the strict contract fakes, with the
networks' rate limits honoured. Runs on PostgreSQL only (`TEST_DATABASE_URL`; tests/run_suite.py runs it, and
under CI=true a missing PostgreSQL fails the run).
"""
from __future__ import annotations

import contextlib
import logging
import random
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from ambassador import create_app

from .processes import OPERATOR, Web, Worker, request, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import publish  # noqa: E402  (bench/publish.py: its checks of what the networks hold)
import publish_setup  # noqa: E402  (bench/publish_setup.py: the strict fakes, scored rate limits, seeding)

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0.0.0 Safari/537.36")


@pytest.fixture
def postgres_url(database_url, own_database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("several machines share one PostgreSQL database (run with TEST_DATABASE_URL=postgresql…)")
    return own_database_url


def settings_env(settings: dict) -> dict[str, str]:
    """The fakes' settings as an operator would put them in the environment."""
    return {key: str(value) for key, value in settings.items() if value is not None}


def one(url: str, sql: str):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql(sql).scalar_one()
    finally:
        engine.dispose()


def csrf_form(web: Web, path: str) -> tuple[str, str]:
    """GET a form: (the session cookie, the CSRF token in it)."""
    status, headers, body = request(web.port, path, headers={"X-Forwarded-For": "198.51.100.77"})
    assert status == 200, body[:500]
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', body)
    assert token, body[:500]
    return cookie, token.group(1) or token.group(2)


def test_two_web_processes_and_two_workers_on_postgresql(postgres_url, tmp_path):
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fakes' request log
    fakes = publish_setup.make_fakes(delay=0.02, limit=2, window=1.5)
    with contextlib.ExitStack() as stack:
        for fake in fakes.values():
            stack.enter_context(fake.running())
        settings = publish_setup.app_settings(fakes)
        app = create_app("production", SQLALCHEMY_DATABASE_URI=postgres_url, **{**OPERATOR, **settings})
        seeded = publish_setup.seed(app, fakes, accounts=12, shares=36, limited_share=0.25, rng=random.Random(3))
        for account in fakes["bluesky"].accounts.values():  # read by the worker's refresh_follower_counts
            account.setdefault("followersCount", 10)
        codes = [row[0] for row in sa.create_engine(postgres_url).connect().exec_driver_sql(
            "SELECT code FROM tracked_link ORDER BY id LIMIT 6")]
        env = {**settings_env(settings), "TRUSTED_PROXIES": 1, "CLICK_FLUSH_INTERVAL": 0.2,
               "CLICK_DRAIN_INTERVAL_SECONDS": 0.5, "CLICK_DRAIN_BATCH": 7, "DISPATCH_INTERVAL_SECONDS": 0.5,
               "PUBLISH_THREADS": 4, "PUBLISH_BACKOFF_SECONDS": 0.3, "THROTTLE_PASSWORD_RESET": "3/3600",
               "MAIL_TO_CONSOLE": 0}
        webs = [Web(postgres_url, tmp_path / f"web{i}.log", workers=2, **env) for i in range(2)]
        for web in webs:
            stack.callback(web.stop)
        workers = [Worker(postgres_url, tmp_path / f"worker{i}.log", **env) for i in range(2)]
        for worker in workers:
            stack.callback(worker.stop)

        # Clicks: 60 visitors, each clicking one link on both web processes (the load balancer sends them
        # anywhere), and a preview bot: counted once each, paid once each.
        for n in range(60):
            for web in webs:
                status, _headers, _body = request(web.port, f"/s/{codes[n % len(codes)]}", headers={
                    "User-Agent": CHROME, "X-Forwarded-For": f"203.0.113.{n}"})
                assert status == 302
            assert request(webs[n % 2].port, f"/s/{codes[0]}", headers={"User-Agent": "Twitterbot/1.0"})[0] == 302

        # A form throttle (3 attempts an hour per address) counts the address's attempts on both processes.
        answers = []
        for attempt in range(5):
            web = webs[attempt % 2]
            cookie, token = csrf_form(web, "/password/forgot")
            status, _headers, _body = request(web.port, "/password/forgot", method="POST", body=(
                f"csrf_token={token}&email=nobody%40example.com"), headers={
                "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
                "X-Forwarded-For": "198.51.100.77"})
            answers.append(status)
        assert answers == [302, 302, 302, 429, 429]

        # Publishing: every due share settles, published once, limits honoured (the workers' claims keep
        # them apart).
        wait_for(lambda: one(postgres_url, "SELECT count(*) FROM share WHERE method = 'api' "
                                           "AND status IN ('scheduled', 'publishing')") == 0,
                 timeout=40, every=0.25, what="every share settled")
        wait_for(lambda: one(postgres_url, "SELECT count(*) FROM click_inbox") == 0, timeout=20,
                 what="the click inbox drained")
        for worker in workers:
            assert worker.stop() == 0, worker.log()
        for web in webs:
            assert web.stop() == 0, web.log()

        states = publish_setup.share_states(postgres_url)
        limits = publish_setup.limit_summary(fakes)
        assert publish.check(states, fakes, limits, workers=2) == []
        assert Counter(status for _n, status, _k in states.values()) == {"published": seeded["shares"]}
        # The limited accounts did meet their limit: told so by a 429 or by the answer that spent it (remaining 0).
        assert limits["reached"]

    assert one(postgres_url, "SELECT count(*) FROM click") == 60
    assert one(postgres_url, "SELECT count(DISTINCT visitor_hash) FROM click") == 60
    # Points once per click (1 point each, LinkedIn/X/Mastodon/Bluesky all pay): the ledger and the rollups agree.
    assert one(postgres_url, "SELECT count(*) FROM points_entry WHERE reason = 'click'") == 60
    assert one(postgres_url, "SELECT count(DISTINCT click_id) FROM points_entry WHERE reason = 'click'") == 60
    assert one(postgres_url, "SELECT coalesce(sum(clicks), 0) FROM rollup_cell") == 60
    assert one(postgres_url, "SELECT count(*) FROM throttle_counter") >= 1
