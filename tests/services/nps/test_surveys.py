"""Surveys: editing (texts per language, aspects) and recording answers (public page, email invitations)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.infra.tokens import new_token
from ambassador.models import PointsEntry, Respondent, SurveyInvitation, SurveyResponse, utcnow
from ambassador.services.community import points
from ambassador.services.nps import surveys
from ambassador.services.nps.surveys import SurveyData


def make_survey(make, db, org=None, status="open", **kw):
    org = org or make.org()
    data = SurveyData(title=kw.pop("title", "Customer survey"), status=status, **kw)
    return surveys.create_survey(org=org, created_by=None, data=data)


def make_invitation(db, survey, email="klant@example.test", language="nl", **kw):
    respondent = Respondent(org_id=survey.org_id, email=email, language=language)
    db.session.add(respondent)
    db.session.flush()
    invitation = SurveyInvitation(org_id=survey.org_id, survey_id=survey.id, respondent_id=respondent.id,
                                  token=new_token(), sent_at=utcnow(), **kw)
    db.session.add(invitation)
    db.session.flush()
    return invitation


def _responses(db, survey):
    return db.session.scalars(sa.select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)).all()


# --- Editing ---------------------------------------------------------------------------------

def test_default_wording_is_not_stored_and_custom_wording_is(db, make):
    survey = make_survey(make, db, question={"en": surveys.DEFAULT_QUESTION["en"], "nl": "  Zou je   ons aanraden? "},
                         follow_up_question={"fr": "Pourquoi ?"})
    assert survey.question == {"nl": "Zou je ons aanraden?"}
    assert surveys.question_text(survey, "en") == surveys.DEFAULT_QUESTION["en"]
    assert surveys.question_text(survey, "nl") == "Zou je ons aanraden?"
    assert surveys.question_text(survey, "fr").startswith("Quelle est la probabilité")
    assert surveys.follow_up_text(survey, "fr") == "Pourquoi ?"
    assert surveys.follow_up_text(survey, "nl") == "Wat is de belangrijkste reden voor je score?"


def test_thank_you_per_group_and_language_falls_back_to_the_default(app, db, make):
    survey = make_survey(make, db, thank_you={"promoter": {"nl": "Super, bedankt!"}, "passive": {"en": ""}})
    assert survey.thank_you == {"promoter": {"nl": "Super, bedankt!"}}
    assert surveys.thank_you_text(survey, "promoter", "nl") == "Super, bedankt!"
    with app.test_request_context():
        assert surveys.thank_you_text(survey, "detractor", "en").startswith("Thank you for being honest")


def test_aspects_are_added_renamed_and_removed_by_slot(db, make):
    survey = make_survey(make, db, aspects=[{"en": "Service"}, {"en": "Price", "nl": "Prijs"}])
    assert [a.label for a in survey.aspects] == [{"en": "Service"}, {"en": "Price", "nl": "Prijs"}]
    service_id = survey.aspects[0].id
    surveys.update_survey(survey=survey, data=SurveyData(title="x", status="open",
                                                         aspects=[{"en": "Service", "fr": "Service"}, {},
                                                                  {"en": "Product"}]))
    assert [(a.position, a.label) for a in survey.aspects] == [(0, {"en": "Service", "fr": "Service"}),
                                                               (2, {"en": "Product"})]
    assert survey.aspects[0].id == service_id  # renaming keeps the aspect (and its ratings)


def test_bad_survey_data_is_refused(db, make):
    with pytest.raises(surveys.SurveyError):
        make_survey(make, db, title="   ")
    with pytest.raises(surveys.SurveyError):
        make_survey(make, db, status="archived")
    with pytest.raises(surveys.SurveyError):
        make_survey(make, db, aspects=[{"en": str(n)} for n in range(surveys.MAX_ASPECTS + 1)])


# --- Public answers --------------------------------------------------------------------------

def test_public_answer_records_score_group_language_and_link_context(db, make):
    survey = make_survey(make, db)
    response = surveys.record_public_answer(survey=survey, score=6, language="fr",
                                            context={"segment": " retail ", "store": "x" * 81, "employee": "Sofie"})
    assert (response.score, response.group, response.language) == (6, "detractor", "fr")
    assert (response.segment, response.store, response.employee) == ("retail", "", "Sofie")
    assert response.invitation_id is None and response.membership_id is None


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_a_survey_that_is_not_open_refuses_answers(db, make, status):
    survey = make_survey(make, db, status=status)
    with pytest.raises(surveys.SurveyClosed):
        surveys.record_public_answer(survey=survey, score=9, language="en")
    with pytest.raises(surveys.SurveyClosed):
        surveys.record_invitation_answer(invitation=make_invitation(db, survey), score=9)
    assert _responses(db, survey) == []


@pytest.mark.parametrize("score", [-1, 11, None, "7", True])
def test_scores_outside_zero_to_ten_are_refused(db, make, score):
    with pytest.raises(surveys.SurveyError):
        surveys.record_public_answer(survey=make_survey(make, db), score=score, language="en")


def test_a_logged_in_ambassador_earns_survey_points_once_per_survey(db, make):
    org = make.org(points_survey=5)
    member = make.member(org)
    first, second = make_survey(make, db, org=org), make_survey(make, db, org=org)
    one = surveys.record_public_answer(survey=first, score=10, language="en", membership=member)
    surveys.record_public_answer(survey=first, score=9, language="en", membership=member)
    surveys.record_invitation_answer(invitation=make_invitation(db, second), score=8, membership=member)
    assert one.membership_id == member.id
    refs = db.session.scalars(sa.select(PointsEntry.ref).where(PointsEntry.membership_id == member.id,
                                                               PointsEntry.reason == "survey")).all()
    assert sorted(refs) == sorted([f"survey:{first.id}", f"survey:{second.id}"])
    assert points.balance(member.id) == 10
    # A member of another organization answering earns nothing here.
    stranger = make.member(make.org())
    surveys.record_public_answer(survey=first, score=9, language="en", membership=stranger)
    assert points.balance(stranger.id) == 0


# --- Email invitations: one answer per invitation ----------------------------------------------

def test_first_click_records_the_answer_with_the_invitations_context(db, make):
    survey = make_survey(make, db)
    invitation = make_invitation(db, survey, segment="b2b", store="Gent", employee="Sofie")
    answer = surveys.record_invitation_answer(invitation=invitation, score=9)
    assert answer.outcome == "recorded"
    response = answer.response
    assert (response.score, response.group, response.language) == (9, "promoter", "nl")
    assert (response.segment, response.store, response.employee) == ("b2b", "Gent", "Sofie")
    assert response.respondent_id == invitation.respondent_id and invitation.answered_at is not None


def test_a_second_click_never_creates_a_second_answer(db, make):
    survey = make_survey(make, db)
    invitation = make_invitation(db, survey)
    start = utcnow()
    first = surveys.record_invitation_answer(invitation=invitation, score=3, now=start)
    same = surveys.record_invitation_answer(invitation=invitation, score=3, now=start + timedelta(minutes=1))
    changed = surveys.record_invitation_answer(invitation=invitation, score=8, now=start + timedelta(minutes=29))
    kept = surveys.record_invitation_answer(invitation=invitation, score=10, now=start + timedelta(minutes=31))
    assert [a.outcome for a in (first, same, changed, kept)] == ["recorded", "same", "changed", "kept"]
    assert {a.response.id for a in (first, same, changed, kept)} == {first.response.id}
    [response] = _responses(db, survey)
    assert (response.score, response.group) == (8, "passive")


def test_two_racing_clicks_end_with_one_answer(db, make, monkeypatch):
    """The second request did not see the first one's row: the unique index decides, the loser reads the winner."""
    survey = make_survey(make, db)
    invitation = make_invitation(db, survey)
    winner = surveys.record_invitation_answer(invitation=invitation, score=9).response
    calls = []
    real = surveys.response_of

    def stale_then_real(inv):
        calls.append(inv.id)
        return None if len(calls) == 1 else real(inv)

    monkeypatch.setattr(surveys, "response_of", stale_then_real)
    answer = surveys.record_invitation_answer(invitation=invitation, score=9)
    assert len(calls) == 2, "the insert must have failed on the unique index and re-read"
    assert answer.response.id == winner.id and answer.outcome == "same"
    assert len(_responses(db, survey)) == 1


# --- Details -----------------------------------------------------------------------------------

def test_details_save_the_comment_and_aspect_ratings(db, make):
    survey = make_survey(make, db, aspects=[{"en": "Service"}, {"en": "Price"}])
    service, price = survey.aspects
    response = surveys.record_public_answer(survey=survey, score=7, language="en")
    surveys.save_details(response=response, comment=" Friendly staff ", aspect_scores={service.id: 9, price.id: 4})
    assert response.comment == "Friendly staff"
    assert sorted((s.aspect_id, s.score) for s in response.aspect_scores) == [(service.id, 9), (price.id, 4)]
    surveys.save_details(response=response, comment="", aspect_scores={service.id: 10, price.id: None})
    assert [(s.aspect_id, s.score) for s in response.aspect_scores] == [(service.id, 10)]


def test_details_refuse_unknown_aspects_bad_scores_and_closed_surveys(db, make):
    survey = make_survey(make, db, aspects=[{"en": "Service"}])
    other = make_survey(make, db, aspects=[{"en": "Other"}])
    response = surveys.record_public_answer(survey=survey, score=7, language="en")
    with pytest.raises(surveys.SurveyError):
        surveys.save_details(response=response, comment="", aspect_scores={other.aspects[0].id: 5})
    with pytest.raises(surveys.SurveyError):
        surveys.save_details(response=response, comment="", aspect_scores={survey.aspects[0].id: 11})
    with pytest.raises(surveys.SurveyError):
        surveys.save_details(response=response, comment="x" * (surveys.MAX_COMMENT + 1), aspect_scores={})
    survey.status = "closed"
    with pytest.raises(surveys.SurveyClosed):
        surveys.save_details(response=response, comment="late", aspect_scores={})
