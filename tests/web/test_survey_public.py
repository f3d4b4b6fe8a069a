"""The public answering pages: one click from the page or the email, details, thanks, unsubscribe, framing."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ambassador.models import OutboxEmail, PointsEntry, SurveyResponse
from ambassador.services.nps import invitations

from ..services.nps.test_surveys import make_invitation, make_survey

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"


@pytest.fixture(autouse=True)
def _browser(client):
    """The test client's own user agent ("Werkzeug/…") is a script, and scripts record no email clicks."""
    client.environ_base["HTTP_USER_AGENT"] = BROWSER


def _responses(db, survey):
    return db.session.scalars(sa.select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)).all()


def test_public_page_asks_in_the_chosen_language_and_may_be_framed(client, db, make):
    survey = make_survey(make, db, question={"nl": "Zou je Bakkerij Peeters aanraden?"})
    page = client.get(f"/survey/{survey.public_token}?lang=nl")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Zou je Bakkerij Peeters aanraden?" in html and 'lang="nl"' in html
    assert html.count('name="score"') == 11
    assert "frame-ancestors *" in page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers
    french = client.get(f"/survey/{survey.public_token}", headers={"Accept-Language": "fr-BE,fr;q=0.9"})
    assert "Quelle est la probabilité" in french.get_data(as_text=True)
    # Every other page still refuses to be framed.
    login = client.get("/login")
    assert login.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in login.headers["Content-Security-Policy"]


def test_one_click_on_the_page_then_details_then_thanks(client, db, make):
    survey = make_survey(make, db, aspects=[{"en": "Service"}],
                         thank_you={"detractor": {"en": "Sorry! We will call you."}})
    answered = client.post(f"/survey/{survey.public_token}?store=Gent&employee=Sofie&segment={'x' * 81}",
                           data={"score": "4"})
    assert answered.status_code == 302
    [response] = _responses(db, survey)
    assert (response.score, response.group, response.store, response.employee, response.segment) == \
        (4, "detractor", "Gent", "Sofie", "")
    details = client.get(answered.headers["Location"])
    html = details.get_data(as_text=True)
    assert "What is the main reason for your score?" in html and "Service" in html
    assert "frame-ancestors *" in details.headers["Content-Security-Policy"]
    aspect = survey.aspects[0]
    bad = client.post(answered.headers["Location"], data={"comment": "Slow", f"aspect_{aspect.id}": "12"})
    assert bad.status_code == 400 and "Choose a score from 0 to 10." in bad.get_data(as_text=True)
    assert response.comment == ""
    saved = client.post(answered.headers["Location"], data={"comment": "Slow checkout", f"aspect_{aspect.id}": "3"})
    assert saved.status_code == 302
    db.session.refresh(response)
    assert response.comment == "Slow checkout" and [s.score for s in response.aspect_scores] == [3]
    thanks = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Sorry! We will call you." in thanks


def test_a_forged_or_stale_response_key_finds_nothing(client, db, make):
    survey = make_survey(make, db)
    client.post(f"/survey/{survey.public_token}", data={"score": "9"})
    [response] = _responses(db, survey)
    assert client.get(f"/survey/r/{response.id}").status_code == 404
    assert client.get("/survey/r/not-a-key/thanks").status_code == 404
    assert client.get("/survey/unknown-token").status_code == 404


@pytest.mark.parametrize(("status", "code", "text"), [("closed", 410, "This survey is closed"),
                                                      ("draft", 404, "This survey is not open yet")])
def test_a_survey_that_is_not_open_shows_a_clear_page_and_takes_no_answer(client, db, make, status, code, text):
    survey = make_survey(make, db, status=status)
    invitation = make_invitation(db, survey, language="en")  # the page speaks the respondent's language
    for response in (client.get(f"/survey/{survey.public_token}"),
                     client.post(f"/survey/{survey.public_token}", data={"score": "10"}),
                     client.get(f"/survey/i/{invitation.token}/10")):
        assert response.status_code == code and text in response.get_data(as_text=True)
    assert _responses(db, survey) == []


def test_email_one_click_and_a_second_click_on_the_same_invitation(client, db, make):
    survey = make_survey(make, db)
    invitation = make_invitation(db, survey, language="nl")
    first = client.get(f"/survey/i/{invitation.token}/9")
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "Wat is de belangrijkste reden voor je score?" in html
    assert "frame-ancestors *" in first.headers["Content-Security-Policy"]
    second = client.get(f"/survey/i/{invitation.token}/6")  # mis-tap corrected within 30 minutes
    assert second.status_code == 200
    again = client.get(f"/survey/i/{invitation.token}")  # the page of the invitation shows the answer
    assert "6" in again.get_data(as_text=True)
    [response] = _responses(db, survey)
    assert (response.score, response.group, response.invitation_id) == (6, "detractor", invitation.id)
    key = re.search(r'action="/survey/r/([^"]+)"', html).group(1)
    assert client.post(f"/survey/r/{key}", data={"comment": "Te duur"}).status_code == 302
    db.session.refresh(response)
    assert response.comment == "Te duur"


def test_link_checkers_opening_every_link_record_nothing(client, db, make):
    survey = make_survey(make, db)
    invitation = make_invitation(db, survey)
    for score in range(11):
        page = client.get(f"/survey/i/{invitation.token}/{score}",
                          headers={"User-Agent": "Mozilla/5.0 (compatible; BingPreview/1.0b)"})
        assert page.status_code == 200
    assert client.head(f"/survey/i/{invitation.token}/3").status_code == 200
    assert _responses(db, survey) == []
    assert client.post(f"/survey/i/{invitation.token}", data={"score": "8"}).status_code == 200
    assert [r.score for r in _responses(db, survey)] == [8]


def test_unknown_invitation_token_and_bad_score(client, db, make):
    survey = make_survey(make, db)
    invitation = make_invitation(db, survey)
    assert client.get("/survey/i/nope/9").status_code == 404
    assert client.get(f"/survey/i/{invitation.token}/11").status_code == 400
    assert _responses(db, survey) == []


def test_unsubscribe_asks_then_honours_it(app, client, db, make):
    survey = make_survey(make, db)
    invitation = make_invitation(db, survey, language="en")
    page = client.get(f"/survey/unsubscribe/{invitation.token}")
    assert page.status_code == 200 and invitation.respondent.unsubscribed_at is None
    assert "X-Frame-Options" in page.headers
    done = client.post(f"/survey/unsubscribe/{invitation.token}")
    assert "You are unsubscribed" in done.get_data(as_text=True)
    db.session.refresh(invitation.respondent)
    assert invitation.respondent.unsubscribed_at is not None
    with app.test_request_context():
        assert invitations.send_invitation(invitation=invitation) is False
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.org_id == survey.org_id)) == 0


def test_a_logged_in_ambassador_answering_gets_points_once(client, db, make, login):
    org = make.org(points_survey=5)
    member = make.member(org)
    survey = make_survey(make, db, org=org)
    login(member.user)
    client.post(f"/survey/{survey.public_token}", data={"score": "10"})
    client.post(f"/survey/{survey.public_token}", data={"score": "9"})
    entries = db.session.scalars(sa.select(PointsEntry).where(PointsEntry.membership_id == member.id)).all()
    assert [(e.reason, e.ref, e.points) for e in entries] == [("survey", f"survey:{survey.id}", 5)]
    assert {r.membership_id for r in _responses(db, survey)} == {member.id}


def test_answer_forms_carry_their_own_token_so_they_work_framed_without_a_session(app, client, db, make,
                                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    survey = make_survey(make, db)
    html = client.get(f"/survey/{survey.public_token}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post(f"/survey/{survey.public_token}", data={"score": "9"}).status_code == 400
    assert client.post(f"/survey/{survey.public_token}", data={"score": "9", "csrf_token": "forged"}).status_code == 400
    fresh = app.test_client()  # no session cookie at all, as in a frame on another site
    answered = fresh.post(f"/survey/{survey.public_token}", data={"score": "9", "csrf_token": token})
    assert answered.status_code == 302
    other = make_survey(make, db, org=make.org())
    assert fresh.post(f"/survey/{other.public_token}", data={"score": "9", "csrf_token": token}).status_code == 400
    assert [r.score for r in _responses(db, survey)] == [9] and _responses(db, other) == []
