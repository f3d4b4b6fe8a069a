"""The worker's `send_survey_reminders`: run as the worker runs it (its own app context, no request), once a
reminder is in the outbox and the invitation says when; a second run sends nothing."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ambassador.jobs.definitions import by_name
from ambassador.models import OutboxEmail, utcnow
from ambassador.services.nps import reminders
from tests.services.nps.test_surveys import make_invitation, make_survey


def test_the_job_sends_each_due_reminder_once(runner, db, make):
    org = make.org(name="Brasserie Lumière", default_locale="nl")
    survey = make_survey(make, db, org=org)
    reminders.set_reminder(survey=survey, days=2)
    due = make_invitation(db, survey, email="an@example.test", language="nl")
    due.sent_at = utcnow() - timedelta(days=3)
    waiting = make_invitation(db, survey, email="ben@example.test", language="en")  # emailed today
    db.session.commit()
    assert by_name("send_survey_reminders").interval({}) == 15 * 60

    first = runner.invoke(args=["ambassador", "run-job", "send_survey_reminders"])
    assert first.exit_code == 0, first.output
    assert "'sent': 1" in first.output
    db.session.expire_all()
    mails = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.org_id == org.id)).all()
    assert [m.to for m in mails] == ["an@example.test"]
    assert f"/survey/i/{due.token}/10" in mails[0].body_text  # the one-click links, absolute, outside a request
    assert due.reminded_at is not None and waiting.reminded_at is None

    again = runner.invoke(args=["ambassador", "run-job", "send_survey_reminders"])
    assert "'sent': 0" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)
                             .where(OutboxEmail.org_id == org.id)) == 1
