"""Development without SMTP: emails that belong to no organization's outbox still reach the person."""
from __future__ import annotations

import logging

from ambassador.infra.email import send_email


def _send(app):
    with app.test_request_context():
        return send_email(to="new@example.test", subject="Confirm", template="verify_email",
                          user=None, link="http://127.0.0.1:5000/email/verify/abc")


def test_without_smtp_development_prints_the_email_to_the_log(app, db, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "MAIL_TO_CONSOLE", True)
    with caplog.at_level(logging.WARNING):
        _send(app)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Email to new@example.test: Confirm" in logged
    assert "http://127.0.0.1:5000/email/verify/abc" in logged


def test_production_keeps_emails_out_of_the_log(app, db, caplog):
    assert app.config["MAIL_TO_CONSOLE"] is False  # the test config, like production
    with caplog.at_level(logging.DEBUG):
        _send(app)
    assert "email/verify/abc" not in caplog.text


def test_the_sign_up_answer_says_where_the_message_went_in_development(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_TO_CONSOLE", True)
    assert "printed in the terminal" in client.get("/signup/sent").get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAIL_TO_CONSOLE", False)
    assert "printed in the terminal" not in client.get("/signup/sent").get_data(as_text=True)
