"""The worker: `run-job`, the job list on the scheduler, graceful SIGTERM, the in-process mode's guards."""
from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from ambassador.jobs import worker
from ambassador.jobs.definitions import JOBS
from ambassador.jobs.tasks import shutdown_requested
from tests.services.publishing.fakes import account, due_share


@pytest.fixture(autouse=True)
def not_stopping(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLISH_THREADS", 1)  # the test session shares one connection
    shutdown_requested.clear()
    yield
    shutdown_requested.clear()


def test_run_job_publishes_due_shares_once(runner, db, network, member, post):
    share = due_share(member, post, account(db, member))
    result = runner.invoke(args=["ambassador", "run-job", "dispatch_due_shares"])
    assert result.exit_code == 0, result.output
    assert "dispatch_due_shares: {" in result.output and "'published': 1" in result.output
    db.session.expire_all()
    assert share.status == "published" and len(network.calls) == 1
    again = runner.invoke(args=["ambassador", "run-job", "dispatch_due_shares"])
    assert "'claimed': 0" in again.output and len(network.calls) == 1


def test_run_job_with_an_unknown_name_lists_the_jobs(runner):
    result = runner.invoke(args=["ambassador", "run-job", "publish_everything"])
    assert result.exit_code != 0
    assert "Unknown job 'publish_everything'" in result.output
    assert all(job.name in result.output for job in JOBS)


def test_every_job_is_scheduled_once_at_a_time_and_coalesced(app):
    scheduler = BackgroundScheduler()
    worker.add_jobs(scheduler, app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {job.name for job in JOBS}
    assert all(job.max_instances == 1 and job.coalesce for job in jobs.values())
    assert jobs["dispatch_due_shares"].trigger.interval.total_seconds() == app.config["DISPATCH_INTERVAL_SECONDS"]


def test_a_run_skipped_while_the_last_one_still_runs_is_not_a_warning(app, caplog):
    """One instance at a time is the design: a job still running at its next interval (a custom range's build, ~10 s
    at 100,000 members, looked for every 2 s) skips that run, which APScheduler logs as a WARNING each time. The
    worker keeps it only with the scheduler's logger at DEBUG; the job still runs and other warnings still show."""
    import time

    from ambassador.jobs.definitions import Job

    runs = []
    slow = Job("slow", lambda: (runs.append(1), time.sleep(0.9)), 0.2)
    scheduler = BackgroundScheduler(timezone=UTC)
    worker.add_jobs(scheduler, app, [slow])
    worker.add_jobs(BackgroundScheduler(timezone=UTC), app, [])  # added again: still one filter
    scheduler_log = logging.getLogger("apscheduler.scheduler")
    assert sum(isinstance(f, worker._SkippedRuns) for f in scheduler_log.filters) == 1
    skipped = "maximum number of running instances reached"
    with caplog.at_level(logging.INFO, logger="apscheduler"):
        scheduler.start()
        time.sleep(1.5)
        scheduler.shutdown(wait=True)
        scheduler_log.warning("another warning")
    assert runs and not [r for r in caplog.records if skipped in r.getMessage()]
    assert "another warning" in caplog.messages
    with caplog.at_level(logging.DEBUG, logger="apscheduler.scheduler"):
        scheduler_log.warning('Execution of job "slow" skipped: %s (1)', skipped)
    assert [r for r in caplog.records if skipped in r.getMessage()]


class FakeScheduler:
    def __init__(self, *args, **kwargs):
        self.running = True
        self.shutdowns: list[bool] = []
        self.jobs: list[str] = []

    def add_job(self, func, trigger, *, id, **kwargs):
        self.jobs.append(id)

    def shutdown(self, wait=True):
        self.shutdowns.append(wait)
        self.running = False


def test_signal_handler_stops_new_work_and_waits_for_the_work_in_hand():
    scheduler = FakeScheduler()
    handler = worker.make_signal_handler(scheduler)
    handler(signal.SIGTERM, None)
    assert shutdown_requested.is_set() and scheduler.shutdowns == [True]
    handler(signal.SIGINT, None)  # a second signal while stopping does not shut down twice
    assert scheduler.shutdowns == [True]


def test_shutdown_returns_only_after_the_running_job_finished():
    started, release, order = threading.Event(), threading.Event(), []

    def job_in_hand():
        started.set()
        release.wait(10)
        order.append("job finished")

    scheduler = BackgroundScheduler()
    # An interval job, like the worker's own: a one-off job is removed by the scheduler's thread
    # after it runs, which raced with the shutdown (JobLookupError in APScheduler's thread).
    scheduler.add_job(job_in_hand, "interval", hours=1, next_run_time=datetime.now(UTC))
    scheduler.start()
    assert started.wait(10)
    stopper = threading.Thread(target=lambda: (worker.make_signal_handler(scheduler)(signal.SIGTERM, None),
                                               order.append("shutdown returned")))
    stopper.start()
    stopper.join(timeout=0.5)
    release.set()
    stopper.join(timeout=10)
    assert order == ["job finished", "shutdown returned"]


def test_worker_command_installs_the_handlers_and_exits_on_sigterm(runner, monkeypatch):
    installed, made = {}, []

    class Blocking(FakeScheduler):
        def __init__(self, *args, **kwargs):
            super().__init__()
            made.append(self)

        def start(self):  # what a SIGTERM during the blocking loop does
            installed[signal.SIGTERM](signal.SIGTERM, None)

    monkeypatch.setattr(worker, "BlockingScheduler", Blocking)
    monkeypatch.setattr(worker.signal, "signal", lambda signum, handler: installed.__setitem__(signum, handler))
    result = runner.invoke(args=["ambassador", "worker"])
    assert result.exit_code == 0, result.output
    assert set(installed) == {signal.SIGTERM, signal.SIGINT}
    assert made[0].jobs == [job.name for job in JOBS] and made[0].shutdowns == [True]


@pytest.mark.parametrize("argv, environ, modules, refused", [
    (["gunicorn", "-w", "4", "wsgi:app"], {}, {"gunicorn": 1}, "gunicorn runs 4 workers"),
    (["gunicorn", "--workers=2", "wsgi:app"], {}, {"gunicorn": 1}, "gunicorn runs 2 workers"),
    (["gunicorn", "wsgi:app"], {"GUNICORN_CMD_ARGS": "--workers 3"}, {"gunicorn": 1}, "gunicorn runs 3 workers"),
    (["gunicorn", "wsgi:app"], {"WEB_CONCURRENCY": "2"}, {"gunicorn": 1}, "gunicorn runs 2 workers"),
    (["gunicorn", "-w", "1", "wsgi:app"], {}, {"gunicorn": 1}, None),
    (["/venv/bin/flask", "--app", "wsgi", "ambassador", "worker"], {}, {}, "`flask ambassador` command"),
    (["/venv/bin/flask", "db", "upgrade"], {}, {}, "`flask db` command"),
    (["/venv/bin/flask", "run", "--port", "5000"], {}, {}, None),
    (["/venv/bin/flask", "run"], {"FLASK_DEBUG": "1"}, {}, "reloader's watcher"),
    (["/venv/bin/flask", "run"], {"FLASK_DEBUG": "1", "WERKZEUG_RUN_MAIN": "true"}, {}, None),
    (["waitress-serve", "wsgi:app"], {}, {}, None),
])
def test_in_process_scheduler_refuses_where_it_would_run_more_than_once(argv, environ, modules, refused):
    reason = worker.refusal_reason(argv=argv, environ=environ, modules=modules)
    assert (reason is None) if refused is None else (refused in reason)


def test_start_in_process_only_when_configured_and_allowed(app, monkeypatch, caplog):
    started = []
    monkeypatch.setattr(worker, "BackgroundScheduler", lambda **kw: type("S", (FakeScheduler,), {
        "start": lambda self: started.append(self)})())
    monkeypatch.setattr(worker.atexit, "register", lambda *args: None)
    monkeypatch.setitem(app.config, "SCHEDULER_IN_PROCESS", False)
    assert worker.start_in_process(app) is None and started == []
    monkeypatch.setitem(app.config, "SCHEDULER_IN_PROCESS", True)
    monkeypatch.setattr(worker.sys, "argv", ["/venv/bin/flask", "db", "upgrade"])
    with caplog.at_level(logging.WARNING, logger="ambassador.jobs.worker"):
        assert worker.start_in_process(app) is None
    assert "not starting the scheduler" in caplog.text and started == []
    monkeypatch.setattr(worker.sys, "argv", ["/venv/bin/flask", "run"])
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    scheduler = worker.start_in_process(app)
    assert started == [scheduler] and scheduler.jobs == [job.name for job in JOBS]
