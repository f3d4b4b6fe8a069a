"""Customer list upload: a report per row, nothing half-applied, emails with the eleven score links, unsubscribe."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ambassador.models import OutboxEmail, Respondent, SurveyInvitation, utcnow
from ambassador.services.nps import invitations as survey_invitations
from ambassador.services.nps import surveys
from ambassador.services.nps.invitations import CsvFileError

from .test_surveys import make_survey


def _manager(make, org):
    return make.member(org, role="manager")


def _csv(text: str) -> bytes:
    return ("\ufeff" + text).encode("utf-8")


def _outbox(db, org):
    return db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.org_id == org.id)
                              .order_by(OutboxEmail.id)).all()


def _respondents(db, org):
    return {r.email: r for r in db.session.scalars(sa.select(Respondent).where(Respondent.org_id == org.id))}


def _invitations(db, survey):
    return db.session.scalars(sa.select(SurveyInvitation).where(SurveyInvitation.survey_id == survey.id)).all()


def test_good_rows_are_invited_and_emailed_in_their_language(app, db, make):
    org = make.org(name="Bakkerij Peeters", default_locale="nl")
    survey = make_survey(make, db, org=org)
    with app.test_request_context():
        report = survey_invitations.invite_from_csv(org=org, actor=_manager(make, org), survey=survey, data=_csv(
            "E-mail;Naam;Taal;Segment;Winkel;Medewerker\n"
            "An@Example.test;An Peeters;nl;retail;Gent;Sofie\n"
            "luc@example.test;Luc Martin;fr;;;\n"
            "\n"
            "ann@example.test;Ann;;b2b;;\n"))
    assert [(r.line, r.accepted) for r in report.rows] == [(2, True), (3, True), (5, True)]
    invitations = {i.respondent.email: i for i in _invitations(db, survey)}
    an = invitations["an@example.test"]
    assert (an.segment, an.store, an.employee, an.respondent.name) == ("retail", "Gent", "Sofie", "An Peeters")
    assert an.sent_at is not None and invitations["ann@example.test"].respondent.language == "nl"  # org default
    mails = {m.to: m for m in _outbox(db, org)}
    dutch, french = mails["an@example.test"], mails["luc@example.test"]
    assert surveys.DEFAULT_QUESTION["nl"] in dutch.body_text and surveys.DEFAULT_QUESTION["fr"] in french.body_text
    # The eleven score links are in the email itself (HTML buttons and listed in the text part).
    links = re.findall(r'href="([^"]+/survey/i/[^"]+)"', dutch.body_html)
    assert links == [f"http://localhost/survey/i/{an.token}/{n}" for n in range(11)]
    for n in range(11):
        assert f"{n}: http://localhost/survey/i/{an.token}/{n}\n" in dutch.body_text
    assert f"http://localhost/survey/unsubscribe/{an.token}" in dutch.body_text
    assert f"/survey/unsubscribe/{an.token}" in dutch.body_html


def test_bad_rows_are_reported_and_leave_nothing_behind(app, db, make):
    org = make.org()
    survey = make_survey(make, db, org=org)
    earlier = make_survey(make, db, org=org)
    known = Respondent(org_id=org.id, email="known@example.test", name="Old name", language="en")
    gone = Respondent(org_id=org.id, email="gone@example.test", unsubscribed_at=utcnow())
    db.session.add_all([known, gone])
    db.session.flush()
    db.session.add(SurveyInvitation(org_id=org.id, survey_id=survey.id, respondent_id=known.id, token="t-known"))
    db.session.flush()
    with app.test_request_context():
        report = survey_invitations.invite_from_csv(org=org, actor=_manager(make, org), survey=survey, data=_csv(
            "email,name,language,store\n"
            "ok@example.test,Okay,en,Gent\n"
            "not-an-email,Bad,en,\n"
            "de@example.test,Deutsch,de,\n"
            "OK@example.test,Again,en,\n"
            "gone@example.test,Gone,en,\n"
            "known@example.test,New name,fr,\n"
            f"long@example.test,Long,en,{'x' * 81}\n"))
    assert [(r.line, r.accepted) for r in report.rows] == [(2, True), (3, False), (4, False), (5, False),
                                                           (6, False), (7, False), (8, False)]
    messages = [r.message for r in report.rejected]
    assert "Not a valid email address" in messages[0]
    assert "Unknown language" in messages[1]
    assert "Duplicate" in messages[2] and "earlier in the file" in messages[2]
    assert "Unsubscribed" in messages[3]
    assert "already invited" in messages[4]
    assert "longer than" in messages[5]
    # Nothing of a rejected row was kept: no respondent, no invitation, no email, no change to a known person.
    assert set(_respondents(db, org)) == {"ok@example.test", "known@example.test", "gone@example.test"}
    assert (known.name, known.language) == ("Old name", "en")
    assert [m.to for m in _outbox(db, org)] == ["ok@example.test"]
    assert len(_invitations(db, survey)) == 2 and _invitations(db, earlier) == []


def test_respondents_are_reused_by_email_across_surveys(app, db, make):
    org = make.org()
    first, second = make_survey(make, db, org=org), make_survey(make, db, org=org)
    with app.test_request_context():
        survey_invitations.invite_from_csv(
            org=org, actor=_manager(make, org), survey=first, data=b"email,name\nsam@example.test,Sam\n")
        survey_invitations.invite_from_csv(
            org=org, actor=_manager(make, org), survey=second, data=b"email,language\nsam@example.test,fr\n")
    sam = _respondents(db, org)["sam@example.test"]
    assert (sam.name, sam.language) == ("Sam", "fr")
    assert _invitations(db, first)[0].respondent_id == _invitations(db, second)[0].respondent_id == sam.id
    # Another organization has its own respondent for the same address.
    other = make.org()
    with app.test_request_context():
        survey_invitations.invite_from_csv(
            org=other, actor=_manager(make, other), survey=make_survey(make, db, org=other),
            data=b"email\nsam@example.test\n")
    assert _respondents(db, other)["sam@example.test"].id != sam.id


def test_unsubscribed_respondents_are_never_emailed_again(app, db, make):
    org = make.org()
    survey = make_survey(make, db, org=org)
    with app.test_request_context():
        survey_invitations.invite_from_csv(
            org=org, actor=_manager(make, org), survey=survey, data=b"email\nbye@example.test\n")
        invitation = _invitations(db, survey)[0]
        survey_invitations.unsubscribe(invitation=invitation)
        assert invitation.respondent.unsubscribed_at is not None
        assert survey_invitations.send_invitation(invitation=invitation) is False
        report = survey_invitations.invite_from_csv(
            org=org, actor=_manager(make, org), survey=make_survey(make, db, org=org),
            data=b"email\nbye@example.test\n")
    assert not report.rows[0].accepted
    assert [m.to for m in _outbox(db, org)] == ["bye@example.test"]  # only the first email


def test_only_an_open_survey_of_the_organization_sends(app, db, make):
    org = make.org()
    with pytest.raises(surveys.SurveyError):
        survey_invitations.invite_from_csv(
            org=org, actor=_manager(make, org), survey=make_survey(make, db, org=org, status="draft"),
            data=b"email\na@example.test\n")
    with pytest.raises(surveys.SurveyError):
        survey_invitations.invite_from_csv(
            org=org, actor=_manager(make, org), survey=make_survey(make, db), data=b"email\na@example.test\n")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"), (b"name;language\nAn;nl\n", "email"), ("email\n\xe9\n".encode("latin-1"), "UTF-8"),
])
def test_unreadable_files_are_refused_as_a_whole(data, message):
    with pytest.raises(CsvFileError, match=message):
        survey_invitations.read_rows(data)


@pytest.mark.parametrize(("data", "message"), [
    (b"email,name\na@example.test," + b"x" * (200 * 1024) + b"\n", "longer than .* \\(row 2\\)"),
    (b'email,name\nq1@example.test,"unclosed\nq2@example.test,Two\n', "Row 2 opens a quote"),
], ids=["huge-field", "unclosed-quote"])
def test_broken_customer_lists_are_refused_with_their_row(app, db, make, data, message):
    org = make.org()
    survey = make_survey(make, db, org=org)
    with app.test_request_context(), pytest.raises(CsvFileError, match=message):
        survey_invitations.invite_from_csv(org=org, actor=_manager(make, org), survey=survey, data=data)
    assert db.session.scalar(sa.select(sa.func.count(SurveyInvitation.id))
                             .where(SurveyInvitation.survey_id == survey.id)) == 0
