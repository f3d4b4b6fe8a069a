"""Error pages (HTML) for the web blueprints."""
from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError


def install_error_handlers(app: Flask) -> None:
    def _page(code: int, template: str):
        def handler(error):
            return render_template(template, error=error), code

        return handler

    app.register_error_handler(403, _page(403, "errors/403.html"))
    app.register_error_handler(404, _page(404, "errors/404.html"))
    app.register_error_handler(413, _page(413, "errors/413.html"))
    app.register_error_handler(CSRFError, _page(400, "errors/csrf.html"))

    @app.errorhandler(429)
    def _too_many_requests(error):  # web/throttling.py: the message says when to try again
        headers = {"Retry-After": str(error.retry_after)} if getattr(error, "retry_after", None) else {}
        return render_template("errors/429.html", error=error), 429, headers

    @app.errorhandler(500)
    def _server_error(error):
        from ..extensions import db

        db.session.rollback()
        return render_template("errors/500.html"), 500
