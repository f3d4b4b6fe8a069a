"""Outgoing email: always kept in the outbox, sent through SMTP when configured."""
from __future__ import annotations

import json
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale

from ..extensions import db
from ..models import OutboxEmail, utcnow


def send_email(*, to: str, subject: str, template: str, org_id: int | None = None, locale: str | None = None,
               headers: Mapping[str, str] | None = None, **context) -> OutboxEmail:
    """Render `templates/emails/<template>.txt` (+ .html if present), keep it, send it if SMTP is set.
    `headers` are added to the message (e.g. List-Unsubscribe) and kept with it in the outbox.

    The caller commits; SMTP failures are recorded on the row, never raised at the person.
    """
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = str(subject)
        body_text = render_template(f"emails/{template}.txt", **context)
        try:
            body_html = render_template(f"emails/{template}.html", **context)
        except Exception:  # noqa: BLE001 - the HTML part is optional
            body_html = None
    message = OutboxEmail(org_id=org_id, to=to, subject=subject, body_text=body_text, body_html=body_html,
                          headers=json.dumps(dict(headers)) if headers else None)
    db.session.add(message)
    db.session.flush()
    if message.to.endswith(".invalid"):
        # RFC 2606: never deliverable. Erased members and respondents have such an address; they stay in lists.
        message.error = "not sent: the address is under the reserved .invalid domain"
    elif current_app.config.get("MAIL_SERVER"):
        _deliver(message)
    elif current_app.config.get("MAIL_TO_CONSOLE"):
        # Development without SMTP: mail that belongs to no organization's outbox (sign-up
        # confirmations, password resets) must still reach the person trying the product.
        current_app.logger.warning("Email to %s: %s\n%s", message.to, message.subject, message.body_text)
    return message


def extra_headers(message: OutboxEmail) -> dict[str, str]:
    """The headers kept with a message besides From/To/Subject."""
    return json.loads(message.headers) if message.headers else {}


def _deliver(message: OutboxEmail) -> None:
    cfg = current_app.config
    mail = EmailMessage()
    mail["From"] = cfg["MAIL_DEFAULT_SENDER"]
    mail["To"] = message.to
    mail["Subject"] = message.subject
    for name, value in extra_headers(message).items():
        mail[name] = value
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    try:
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            smtp.send_message(mail)
        message.sent_at = utcnow()
    except (OSError, smtplib.SMTPException) as exc:
        message.error = str(exc)[:1000]
    db.session.flush()

