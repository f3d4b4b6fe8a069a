"""One reminder per unanswered invitation, N days after it: who is due, never twice, in their language."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import OutboxEmail, SurveyResponse, utcnow
from ambassador.services.nps import reminders
from ambassador.services.nps.surveys import DEFAULT_QUESTION, SurveyError

from .test_surveys import make_invitation, make_survey


def _mails(db, org):
    return db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.org_id == org.id)
                              .order_by(OutboxEmail.id)).all()


def _invited(db, survey, email, days_ago, language="nl", **kw):
    invitation = make_invitation(db, survey, email=email, language=language, **kw)
    invitation.sent_at = utcnow() - timedelta(days=days_ago)
    db.session.flush()
    return invitation


def test_the_manager_sets_the_delay_or_turns_it_off(db, make):
    survey = make_survey(make, db)
    assert survey.remind_after_days is None  # off until the manager chooses
    reminders.set_reminder(survey=survey, days=3)
    assert survey.remind_after_days == 3
    for bad in (0, 31, -2):
        with pytest.raises(SurveyError):
            reminders.set_reminder(survey=survey, days=bad)
    assert survey.remind_after_days == 3
    reminders.set_reminder(survey=survey, days=None)
    assert survey.remind_after_days is None


def test_only_unanswered_invitations_past_the_delay_are_due(db, make):
    org = make.org()
    survey = make_survey(make, db, org=org)
    reminders.set_reminder(survey=survey, days=3)
    due = _invited(db, survey, "due@example.test", 4)
    _invited(db, survey, "early@example.test", 2)  # not yet
    _invited(db, survey, "ancient@example.test", 3 + reminders.REMIND_WINDOW_DAYS + 1)  # too old to start now
    answered = _invited(db, survey, "answered@example.test", 5)
    answered.answered_at = utcnow()
    gone = _invited(db, survey, "gone@example.test", 5)
    gone.respondent.unsubscribed_at = utcnow()
    never_sent = _invited(db, survey, "draft@example.test", 5)
    never_sent.sent_at = None
    db.session.flush()
    assert reminders.due_reminders() == [due.id]

    other = make_survey(make, db, org=org)
    _invited(db, other, "off@example.test", 4)  # reminders off on this survey
    closed = make_survey(make, db, status="closed")
    reminders.set_reminder(survey=closed, days=1)
    _invited(db, closed, "closed@example.test", 4)  # a closed survey takes no answers: no reminder
    assert reminders.due_reminders() == [due.id]


def test_a_reminder_goes_once_in_the_respondents_language_with_the_one_click_links(app, db, make):
    org = make.org(name="Bakkerij Peeters", default_locale="en")
    survey = make_survey(make, db, org=org)
    reminders.set_reminder(survey=survey, days=3)
    french = _invited(db, survey, "luc@example.test", 4, language="fr")
    sent_at = french.sent_at

    assert reminders.remind(invitation_id=french.id) is True
    assert reminders.remind(invitation_id=french.id) is False  # claimed already: never twice
    assert reminders.due_reminders() == []
    mails = _mails(db, org)
    assert len(mails) == 1 and mails[0].to == "luc@example.test"
    assert "Bakkerij Peeters" in mails[0].subject
    assert DEFAULT_QUESTION["fr"] in mails[0].body_text and '<html lang="fr">' in mails[0].body_html
    for n in range(11):
        assert f"{n}: http://localhost/survey/i/{french.token}/{n}\n" in mails[0].body_text
    db.session.refresh(french)
    assert french.reminded_at is not None and french.sent_at == sent_at  # the invitation's date stays
    assert reminders.reminder_counts(survey=survey) == {"reminded": 1, "answered_after": 0}

    french.answered_at = french.reminded_at + timedelta(hours=1)
    db.session.add(SurveyResponse(org_id=org.id, survey_id=survey.id, invitation_id=french.id, score=9,
                                  group="promoter"))
    db.session.flush()
    assert reminders.reminder_counts(survey=survey) == {"reminded": 1, "answered_after": 1}


def test_an_answer_that_arrives_first_wins(db, make):
    survey = make_survey(make, db)
    reminders.set_reminder(survey=survey, days=1)
    invitation = _invited(db, survey, "quick@example.test", 2)
    assert reminders.due_reminders() == [invitation.id]
    invitation.answered_at = utcnow()  # answered between the list and the claim
    db.session.flush()
    assert reminders.remind(invitation_id=invitation.id) is False
    assert not db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == "quick@example.test")).all()


def test_the_invitation_list_is_the_surveys_own(db, make):
    survey = make_survey(make, db)
    mine = _invited(db, survey, "mine@example.test", 1)
    theirs = make_survey(make, db)
    _invited(db, theirs, "theirs@example.test", 1)
    rows = db.session.scalars(reminders.invitations_query(survey=survey)).unique().all()
    assert [r.id for r in rows] == [mine.id]
