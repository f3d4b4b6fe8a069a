"""Respondents' data on request: the export holds it all, the erasure removes the person but keeps the scores."""
from __future__ import annotations

import json

import sqlalchemy as sa

from ambassador.models import FollowUpNote, Invitation, OutboxEmail, Respondent, SurveyInvitation, SurveyResponse
from ambassador.services.nps import followups, invitations, promoters, respondent_privacy

from .followup_data import answer, respondent, survey


def _story(db, make):
    """A respondent invited twice: a 3 with a follow-up and notes, then a 10; plus a neighbour."""
    org = make.org()
    manager = make.member(org, role="manager")
    s = survey(db, org, title="Shop survey")
    person = respondent(db, org, email="dana@example.test", name="Dana Doe")
    low = answer(db, s, 3, person=person, invited=True, comment="My parcel was lost", store="Gent")
    high = answer(db, s, 10, person=person, invited=True, comment="Great refund service")
    invitations.send_invitation(invitation=db.session.get(SurveyInvitation, low.invitation_id))
    follow_up = followups.open_for_response(response=low)
    followups.add_note(actor=manager, follow_up=follow_up, text="Called Dana, refund sent")
    promoters.invite_promoters(org=org, actor=manager, response_ids=[high.id])
    neighbour = respondent(db, org, email="nico@example.test", name="Nico")
    answer(db, s, 8, person=neighbour, comment="Fine")
    return org, person, low, high, follow_up


def test_the_export_holds_their_invitations_answers_follow_ups_and_notes(db, make):
    _org, person, low, high, follow_up = _story(db, make)
    data = respondent_privacy.export_respondent(respondent=person)
    json.dumps(data)  # plain JSON
    assert data["respondent"]["email"] == "dana@example.test" and data["respondent"]["name"] == "Dana Doe"
    assert len(data["invitations"]) == 2 and data["invitations"][0]["survey"] == "Shop survey"
    assert [(r["score"], r["comment"]) for r in data["responses"]] == [
        (3, "My parcel was lost"), (10, "Great refund service")]
    assert data["follow_ups"][0]["notes"][0]["text"] == "Called Dana, refund sent"
    assert "Nico" not in json.dumps(data)
    assert "token" not in json.dumps(data)


def test_erasing_removes_personal_data_but_keeps_the_scores_unlinked(db, make):
    org, person, low, high, follow_up = _story(db, make)
    respondent_privacy.erase_respondent(respondent=person)
    person = db.session.get(Respondent, person.id)
    assert "dana" not in person.email and person.name == "" and person.unsubscribed_at is not None
    assert respondent_privacy.is_erased(person)
    scores = db.session.scalars(sa.select(SurveyResponse).where(SurveyResponse.id.in_([low.id, high.id]))).all()
    assert sorted(r.score for r in scores) == [3, 10]
    assert all((r.comment, r.respondent_id, r.invitation_id) == ("", None, None) for r in scores)
    assert scores[0].store == "Gent"
    assert db.session.scalar(sa.select(sa.func.count(FollowUpNote.id))) == 0
    assert db.session.get(type(follow_up), follow_up.id) is not None  # the follow-up's status stays
    assert db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == "dana@example.test")) is None
    assert db.session.scalar(sa.select(Invitation).where(Invitation.email == "dana@example.test")) is None
    # Invitations stay for the response rate, anonymous like the respondent they belong to.
    assert db.session.scalar(sa.select(sa.func.count(SurveyInvitation.id)).where(
        SurveyInvitation.respondent_id == person.id)) == 2
    after = respondent_privacy.export_respondent(respondent=person)
    assert after["responses"] == [] and "Dana" not in json.dumps(after)
    assert respondent_privacy.find_respondents(org=org, q="dana") == []
    # The neighbour is untouched, and an erased person is not offered to invite or to message.
    assert [r.name for r in respondent_privacy.find_respondents(org=org, q="nico")] == ["Nico"]
    assert promoters.promoters_to_invite(org=org) == []


def test_erased_invitation_links_stop_working(db, make):
    org = make.org()
    person = respondent(db, org)
    low = answer(db, survey(db, org), 2, person=person, invited=True)
    invitation = db.session.get(SurveyInvitation, low.invitation_id)
    token = invitation.token
    respondent_privacy.erase_respondent(respondent=person)
    assert db.session.scalar(sa.select(SurveyInvitation).where(SurveyInvitation.token == token)) is None


def test_search_is_scoped_to_the_organization(db, make):
    org, other = make.org(), make.org()
    respondent(db, other, email="shared@example.test")
    assert respondent_privacy.find_respondents(org=org, q="shared") == []
    assert respondent_privacy.find_respondents(org=org, q="") == []
