"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
from ambassador import create_app

app = create_app()
