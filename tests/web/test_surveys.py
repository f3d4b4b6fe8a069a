"""Managers' survey pages: create and edit, the list with scores, results, sending invitations, isolation."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from ambassador.models import OutboxEmail, Survey, SurveyInvitation, SurveyResponse, nps_group
from ambassador.services.nps import surveys

from ..services.nps.test_surveys import make_survey


def _form(**overrides):
    data = {"title": "Spring 2025", "status": "open", "invite_promoters": "y"}
    for lang in surveys.LANGUAGES:
        data[f"question_{lang}"] = surveys.DEFAULT_QUESTION[lang]
        data[f"follow_up_{lang}"] = surveys.DEFAULT_FOLLOW_UP[lang]
    data.update(overrides)
    return data


def _answers(db, survey, scores, **kw):
    for score in scores:
        db.session.add(SurveyResponse(org_id=survey.org_id, survey_id=survey.id, score=score,
                                      group=nps_group(score), **kw))
    db.session.flush()


@pytest.fixture
def manager(make):
    return make.member(make.org(name="Bakkerij Peeters"), role="manager")


def test_a_manager_creates_a_survey_with_defaults_filled_in(client, db, login, manager):
    login(manager.user)
    page = client.get("/surveys/new").get_data(as_text=True)
    assert surveys.DEFAULT_QUESTION["nl"] in page and surveys.DEFAULT_FOLLOW_UP["fr"] in page
    saved = client.post("/surveys/new", data=_form(question_nl="Zou je ons aanraden?", aspect_0_en="Service",
                                                   aspect_0_nl="Service", thank_you_promoter_en="Great!"))
    survey = db.session.scalar(sa.select(Survey).where(Survey.org_id == manager.org_id))
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/surveys/{survey.id}")
    assert survey.question == {"nl": "Zou je ons aanraden?"} and survey.follow_up_question == {}
    assert [a.label for a in survey.aspects] == [{"en": "Service", "nl": "Service"}]
    assert survey.thank_you == {"promoter": {"en": "Great!"}} and survey.status == "open"
    edit = client.get(f"/surveys/{survey.id}/edit").get_data(as_text=True)
    assert "Zou je ons aanraden?" in edit and surveys.DEFAULT_QUESTION["en"] in edit
    assert client.post(f"/surveys/{survey.id}/edit", data=_form(title="", status="closed")).status_code == 200
    db.session.refresh(survey)
    assert survey.status == "open"  # a refused form changes nothing


def test_list_and_results_show_the_score_counts_and_margin(client, db, login, manager, make):
    survey = make_survey(make, db, org=manager.organization, title="Winkel survey")
    _answers(db, survey, [10, 10, 9, 8, 2], store="Gent", employee="Sofie")
    login(manager.user)
    listing = client.get("/surveys").get_data(as_text=True)
    assert "Winkel survey" in listing and "+40" in listing
    results = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "+40" in results and "too few answers" in results and "±70" not in results  # 5 answers: no margin
    assert "Promoters (9–10): 3 (60%)" in results and "Detractors (0–6): 1 (20%)" in results
    assert "Small sample" in results and "Sofie" in results and "Gent" in results
    assert f"/survey/{survey.public_token}" in results and "&lt;iframe" in results
    empty = make_survey(make, db, org=manager.organization)
    assert "No answers yet, so there is no score." in client.get(f"/surveys/{empty.id}").get_data(as_text=True)
    overall = client.get("/surveys/results").get_data(as_text=True)
    assert "By survey" in overall and "Winkel survey" in overall


def test_upload_sends_invitations_with_a_per_row_report(client, db, login, manager, make):
    survey = make_survey(make, db, org=manager.organization)
    login(manager.user)
    data = "\ufeffemail;name;language\nan@example.test;An;nl\nbad;Bad;nl\n".encode()
    page = client.post(f"/surveys/{survey.id}/invitations", data={"file": (io.BytesIO(data), "klanten.csv")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "1 invitation sent" in html and "1 row rejected" in html
    assert "Not a valid email address." in html
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))
                             .where(OutboxEmail.org_id == manager.org_id)) == 1
    closed = make_survey(make, db, org=manager.organization, status="closed")
    refused = client.post(f"/surveys/{closed.id}/invitations", data={"file": (io.BytesIO(data), "klanten.csv")},
                          content_type="multipart/form-data")
    assert "Open the survey before sending invitations." in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SurveyInvitation.id))
                             .where(SurveyInvitation.survey_id == closed.id)) == 0


@pytest.mark.parametrize("data, message", [
    (b"email,name\nan@example.test," + b"x" * (200 * 1024) + b"\n", "A field is longer than"),
    (b'email,name\nq1@example.test,"unclosed\nq2@example.test,Two\n', "Row 2 opens a quote"),
], ids=["huge-field", "unclosed-quote"])
def test_upload_of_a_broken_customer_list_explains_and_sends_nothing(client, db, login, manager, make, data,
                                                                     message):
    survey = make_survey(make, db, org=manager.organization)
    login(manager.user)
    page = client.post(f"/surveys/{survey.id}/invitations", data={"file": (io.BytesIO(data), "klanten.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 200 and message in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SurveyInvitation.id))
                             .where(SurveyInvitation.survey_id == survey.id)) == 0


def test_ambassadors_may_not_manage_surveys(client, db, login, make):
    member = make.member(make.org())
    survey = make_survey(make, db, org=member.organization)
    login(member.user)
    for path in ("/surveys", "/surveys/new", f"/surveys/{survey.id}", "/surveys/results",
                 f"/surveys/{survey.id}/responses", f"/surveys/{survey.id}/follow-ups",
                 f"/surveys/{survey.id}/invitations"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/surveys/{survey.id}/reminders", data={"days": "3"}).status_code == 403


def test_another_organizations_surveys_are_not_found_and_never_leak(client, db, login, manager, make):
    theirs = make_survey(make, db, title="Secret survey of another org")
    _answers(db, theirs, [0, 0, 1], store="Secret store")
    login(manager.user)
    for path in (f"/surveys/{theirs.id}", f"/surveys/{theirs.id}/edit", f"/surveys/{theirs.id}/invite",
                 f"/surveys/{theirs.id}/invitations", f"/surveys/{theirs.id}/responses",
                 f"/surveys/{theirs.id}/follow-ups", f"/insights/surveys/{theirs.id}"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/surveys/{theirs.id}/edit", data=_form(title="Hacked")).status_code == 404
    assert client.post(f"/surveys/{theirs.id}/invitations", data={"file": (io.BytesIO(b"email\na@b.test\n"), "x.csv")},
                       content_type="multipart/form-data").status_code == 404
    db.session.refresh(theirs)
    assert theirs.title == "Secret survey of another org"
    for path in ("/surveys", "/surveys/results"):
        html = client.get(path).get_data(as_text=True)
        assert "Secret" not in html and "-100" not in html
    # Their public link is public: anyone may answer it.
    assert client.get(f"/survey/{theirs.public_token}").status_code == 200
