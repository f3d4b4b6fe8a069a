"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
from ambassador import create_app

app = create_app()

if app.config.get("SCHEDULER_IN_PROCESS"):
    # Single-process demo (`make run`) only: the jobs run in a background thread of this process.
    # It refuses (with a log warning) under gunicorn with several workers and in other flask
    # commands; production runs `flask --app wsgi ambassador worker` instead.
    from ambassador.jobs.worker import start_in_process

    start_in_process(app)
