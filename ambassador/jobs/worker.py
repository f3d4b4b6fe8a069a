"""Running the jobs: `flask --app wsgi ambassador worker` (a BlockingScheduler until SIGTERM/SIGINT),
`run-job NAME` (one job once) and, for the single-command demo only, a BackgroundScheduler inside
the web process.

The database is the only source of truth (DESIGN.md §2): APScheduler only keeps the intervals in
memory, so any number of workers may run side by side; claims in the database keep them apart.
The in-process scheduler is for `make run` (one process): APScheduler 3 cannot share a job store
between processes (its FAQ), and each gunicorn worker would start its own — harmless for
correctness (claims), but wasteful; so it refuses under gunicorn with more than one worker, in
flask CLI commands other than `run`, and in the reloader's watcher process.
"""
from __future__ import annotations

import atexit
import logging
import os
import shlex
import signal
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from ..extensions import db
from .definitions import JOBS, Job
from .tasks import shutdown_requested

log = logging.getLogger(__name__)


def run_job(app: Flask, job: Job) -> Any:
    """Run one job once in its own app context (its own session); commit after it, roll back on error."""
    with app.app_context():
        try:
            result = job.func()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return result


def _scheduled_run(app: Flask, job: Job) -> None:
    try:
        result = run_job(app, job)
    except Exception:  # noqa: BLE001 - logged; the next interval tries again
        log.exception("job %s failed", job.name)
        return
    log.info("job %s: %s", job.name, result)


class _SkippedRuns(logging.Filter):
    """A job still running when its next interval comes is skipped (one instance at a time, by design): APScheduler
    says so as a WARNING each time — several per build of a custom range, whose job looks every 2 s. Kept only when
    its logger is set to DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "maximum number of running instances reached" in record.getMessage():
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def add_jobs(scheduler: BaseScheduler, app: Flask, jobs: Iterable[Job] = JOBS) -> None:
    """Every job at its interval: one instance at a time, missed runs coalesced into one."""
    scheduler_log = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, _SkippedRuns) for f in scheduler_log.filters):
        scheduler_log.addFilter(_SkippedRuns())
    for job in jobs:
        seconds = job.interval(app.config)
        scheduler.add_job(_scheduled_run, "interval", seconds=seconds, args=(app, job), id=job.name, name=job.name,
                          max_instances=1, coalesce=True, misfire_grace_time=max(int(seconds), 1),
                          next_run_time=datetime.now(UTC))


def make_signal_handler(scheduler: BaseScheduler):
    """SIGTERM/SIGINT: stop taking new work, let the share in hand finish (shutdown waits), then exit."""

    def handle(signum, frame) -> None:  # noqa: ARG001 - the signal module's signature
        shutdown_requested.set()
        if scheduler.running:
            log.info("signal %s: finishing the work in hand, then stopping", signum)
            scheduler.shutdown(wait=True)

    return handle


def run_worker(app: Flask) -> None:
    """Block running the jobs until SIGTERM or SIGINT."""
    if not logging.getLogger().handlers:  # a bare `flask … worker`: say what happens
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    shutdown_requested.clear()
    scheduler = BlockingScheduler(timezone=UTC)
    add_jobs(scheduler, app)
    handler = make_signal_handler(scheduler)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    log.info("worker started: %s", ", ".join(job.name for job in JOBS))
    scheduler.start()
    log.info("worker stopped")


# --- in-process mode (make run) -----------------------------------------------------------------

_VALUED_FLASK_OPTIONS = {"--app", "-A", "--env-file", "-e"}


def _flask_command(argv: list[str]) -> str | None:
    """The subcommand when this process is the `flask` CLI (e.g. "run", "db"), else None."""
    if not argv or not (os.path.basename(argv[0]) == "flask" or argv[0].endswith(os.path.join("flask", "__main__.py"))):
        return None
    args = iter(argv[1:])
    for arg in args:
        if arg in _VALUED_FLASK_OPTIONS:
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return ""


def _gunicorn_workers(argv: list[str], environ: Mapping[str, str]) -> int:
    workers = int(environ.get("WEB_CONCURRENCY") or 1)
    args = shlex.split(environ.get("GUNICORN_CMD_ARGS", "")) + list(argv[1:])
    for index, arg in enumerate(args):
        if arg in ("-w", "--workers") and index + 1 < len(args):
            workers = int(args[index + 1])
        elif arg.startswith("--workers="):
            workers = int(arg.split("=", 1)[1])
        elif arg.startswith("-w") and arg[2:].isdigit():
            workers = int(arg[2:])
    return workers


def refusal_reason(argv: list[str] | None = None, environ: Mapping[str, str] | None = None,
                   modules: Mapping[str, Any] | None = None) -> str | None:
    """Why this process must not run the in-process scheduler, or None when it may."""
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    if "gunicorn" in modules:
        try:
            workers = _gunicorn_workers(argv, environ)
        except ValueError:
            return "gunicorn's worker count cannot be read"
        return f"gunicorn runs {workers} workers" if workers != 1 else None
    command = _flask_command(argv)
    if command is not None and command != "run":
        return f"this is the `flask {command or '(no command)'}` command, not the web server"
    reloading = environ.get("FLASK_DEBUG", "").lower() in {"1", "true", "yes"} and "--no-reload" not in argv
    if command == "run" and reloading and environ.get("WERKZEUG_RUN_MAIN") != "true":
        return "this is the reloader's watcher process (the served child process starts it)"
    return None


def start_in_process(app: Flask) -> BackgroundScheduler | None:
    """Start the jobs in a background thread of this (single) web process; called from wsgi.py when
    SCHEDULER_IN_PROCESS is set. Returns the scheduler, or None when refused (logged)."""
    if not app.config.get("SCHEDULER_IN_PROCESS"):
        return None
    reason = refusal_reason()
    if reason is not None:
        log.warning("SCHEDULER_IN_PROCESS is set but %s: not starting the scheduler here "
                    "(run `flask --app wsgi ambassador worker` instead)", reason)
        return None
    scheduler = BackgroundScheduler(timezone=UTC, daemon=True)
    add_jobs(scheduler, app)
    scheduler.start()
    atexit.register(_stop_in_process, scheduler)
    log.info("in-process scheduler started")
    return scheduler


def _stop_in_process(scheduler: BaseScheduler) -> None:
    shutdown_requested.set()
    if scheduler.running:
        scheduler.shutdown(wait=True)
