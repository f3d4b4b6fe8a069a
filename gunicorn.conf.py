"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Anything here can be overridden on the command line or with GUNICORN_CMD_ARGS; the bind
address follows gunicorn's defaults (PORT in the environment → 0.0.0.0:$PORT).
"""
import multiprocessing
import os

from gunicorn.glogging import Logger

from ambassador.access_log import redact

workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Threads let a worker keep connections alive (load balancers reuse them) and overlap
# database waits; the app keeps no per-thread state outside Flask's contexts.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 5
timeout = 30
# On SIGTERM a worker finishes its requests, then worker_exit flushes its clicks.
graceful_timeout = 30
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class RedactingLogger(Logger):
    """The access log without secret tokens (invitation, reset, join, survey links; OAuth codes):
    every text the log line can show (request line, path, query, Referer, Location…) is redacted."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}


logger_class = RedactingLogger


def worker_exit(server, worker):
    """Runs in the worker process as it exits: write the clicks still in its buffer to the click inbox."""
    from ambassador.services.publishing.click_sink import shutdown_click_buffers

    stored = shutdown_click_buffers()
    if stored:
        server.log.info("worker %s: flushed %d buffered clicks on exit", worker.pid, stored)


def on_starting(server):
    """In the master, before any worker forks: without the production settings, stop with one line
    on stderr and exit status 1 (a worker failing to boot would only be replaced by the next one)."""
    from ambassador.startup import exit_if_misconfigured

    exit_if_misconfigured()
