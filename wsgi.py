"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...` (the web, every command, the worker)."""
import sys

from ambassador import create_app
from ambassador.startup import ConfigurationError, help_requested, refuse

try:
    app = create_app()
except ConfigurationError as error:
    if not help_requested():
        refuse(error)  # one line on stderr, exit status 1, no traceback
    # `flask … --help` still lists the commands (with the line above as a note); running one refuses.
    print(f"Note: {error}", file=sys.stderr)
    app = create_app(check_settings=False)

if app.config.get("SCHEDULER_IN_PROCESS"):
    # Single-process demo (`make run`) only: the jobs run in a background thread of this process.
    # It refuses (with a log warning) under gunicorn with several workers and in other flask
    # commands; production runs `flask --app wsgi ambassador worker` instead.
    from ambassador.jobs.worker import start_in_process

    start_in_process(app)
