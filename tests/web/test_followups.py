"""Follow-up pages: list with filters and overdue highlighting, detail actions, passives, privacy, isolation."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import (
    FollowUp,
    OutboxEmail,
    PassiveMessage,
    Respondent,
    SurveyInvitation,
    SurveyResponse,
    utcnow,
)
from ambassador.services.nps import followups

from ..services.nps.followup_data import answer, respondent, survey


@pytest.fixture
def shop(db, make):
    """An organization with a manager, a curator, a survey and a late detractor who left an email."""
    org = make.org(name="Fietsen Vos")
    manager = make.member(org, role="manager", name="Mona Manager")
    curator = make.member(org, role="curator", name="Carl Curator")
    s = survey(db, org, title="Repair survey")
    person = respondent(db, org, email="dirk@example.test", name="Dirk")
    late = answer(db, s, 2, person=person, invited=True, comment="Brakes still squeak",
                  created_at=utcnow() - timedelta(days=4))
    passive = respondent(db, org, email="paul@example.test")
    answer(db, s, 7, person=passive)
    return {"org": org, "manager": manager, "curator": curator, "survey": s, "person": person, "late": late,
            "passive": passive}


def _post(client, db, path, **data):
    """POST, then forget what this test's session had loaded (the request used its own session)."""
    response = client.post(path, data=data)
    db.session.expire_all()
    return response


def _follow_up(db, response):
    return db.session.scalar(sa.select(FollowUp).where(FollowUp.response_id == response.id))


def test_the_list_opens_missing_follow_ups_and_highlights_overdue_ones(client, db, login, shop):
    login(shop["manager"].user)
    page = client.get("/follow-ups").get_data(as_text=True)
    follow_up = _follow_up(db, shop["late"])
    assert follow_up is not None and "Brakes still squeak" in page
    assert 'class="is-overdue"' in page and "1 follow-up is overdue" in page
    assert "Brakes" not in client.get("/follow-ups?status=resolved").get_data(as_text=True)
    assert "Brakes" in client.get("/follow-ups?overdue=y").get_data(as_text=True)
    assert "Brakes" not in client.get(f"/follow-ups?assignee={shop['curator'].id}").get_data(as_text=True)
    assert "Brakes" in client.get("/follow-ups?assignee=none").get_data(as_text=True)
    client.get("/follow-ups")
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 1


def test_detail_shows_the_answer_and_takes_notes_status_and_assignment(client, db, login, shop):
    follow_up = followups.open_for_response(response=shop["late"])
    login(shop["manager"].user)
    page = client.get(f"/follow-ups/{follow_up.id}").get_data(as_text=True)
    assert "Brakes still squeak" in page and "dirk@example.test" in page and "Overdue" in page
    _post(client, db, f"/follow-ups/{follow_up.id}/notes", **{"text": "Called him back"})
    assert [n.text for n in follow_up.notes] == ["Called him back"]
    _post(client, db, f"/follow-ups/{follow_up.id}/assign", **{"assignee": str(shop["curator"].id)})
    assert follow_up.assignee_membership_id == shop["curator"].id
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == shop["curator"].user.email))
    assert mail is not None and f"/follow-ups/{follow_up.id}" in mail.body_text
    due = (utcnow() + timedelta(days=10)).date()
    _post(client, db, f"/follow-ups/{follow_up.id}/update", **{"status": "contacted", "due": due.isoformat()})
    assert follow_up.status == "contacted" and not follow_up.is_overdue()
    bad = client.post(f"/follow-ups/{follow_up.id}/update", data={"status": "lost", "due": due.isoformat()},
                      follow_redirects=True)
    assert follow_up.status == "contacted" and "Not a valid choice" in bad.get_data(as_text=True)


def test_resolve_then_survey_again(client, db, login, shop):
    follow_up = followups.open_for_response(response=shop["late"])
    login(shop["manager"].user)
    _post(client, db, f"/follow-ups/{follow_up.id}/update", **{"status": "resolved", "due": "2030-01-01"})
    assert "Survey them again" in client.get(f"/follow-ups/{follow_up.id}").get_data(as_text=True)
    _post(client, db, f"/follow-ups/{follow_up.id}/resurvey")
    invitations = db.session.scalars(sa.select(SurveyInvitation).where(
        SurveyInvitation.respondent_id == shop["person"].id)).all()
    assert len(invitations) == 2 and follow_up.resurvey_invitation_id == invitations[-1].id
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(
        OutboxEmail.to == "dirk@example.test")) == 1


def test_no_resurvey_for_the_unsubscribed(client, db, login, shop):
    shop["person"].unsubscribed_at = utcnow()
    follow_up = followups.open_for_response(response=shop["late"])
    login(shop["manager"].user)
    _post(client, db, f"/follow-ups/{follow_up.id}/update", **{"status": "resolved", "due": "2030-01-01"})
    page = client.post(f"/follow-ups/{follow_up.id}/resurvey", follow_redirects=True).get_data(as_text=True)
    assert "unsubscribed" in page
    assert db.session.scalar(sa.select(sa.func.count(SurveyInvitation.id))) == 1


def test_a_curator_sees_only_what_is_assigned_to_them(client, db, login, shop):
    follow_up = followups.open_for_response(response=shop["late"])
    login(shop["curator"].user)
    assert "Brakes" not in client.get("/follow-ups").get_data(as_text=True)
    assert client.get(f"/follow-ups/{follow_up.id}").status_code == 403
    followups.assign(actor=shop["manager"], follow_up=follow_up, assignee_id=shop["curator"].id)
    assert "Brakes" in client.get("/follow-ups").get_data(as_text=True)
    assert client.get(f"/follow-ups/{follow_up.id}").status_code == 200
    assert client.post(f"/follow-ups/{follow_up.id}/assign", data={"assignee": ""}).status_code == 403
    assert client.get("/follow-ups/passives").status_code == 403


def test_passives_page_sends_and_logs(client, db, login, shop):
    login(shop["manager"].user)
    page = client.get("/follow-ups/passives").get_data(as_text=True)
    assert "paul@example.test" in page and "dirk@example.test" not in page
    _post(client, db, "/follow-ups/passives", **{"subject": "New e-bikes", "body": "Come and try one",
                                              "link": "https://vos.test/e-bikes",
                                              "respondents": [str(shop["passive"].id)]})
    assert db.session.scalar(sa.select(PassiveMessage)).recipient_count == 1
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == "paul@example.test"))
    assert "Come and try one" in mail.body_text
    assert "New e-bikes" in client.get("/follow-ups/passives").get_data(as_text=True)


def test_export_and_erase_a_respondent(client, db, login, shop):
    followups.add_note(actor=shop["manager"], follow_up=followups.open_for_response(response=shop["late"]),
                       text="Spoke to Dirk")
    login(shop["manager"].user)
    assert "dirk@example.test" in client.get("/follow-ups/privacy?q=dirk").get_data(as_text=True)
    person_id = shop["person"].id
    export = client.get(f"/follow-ups/respondents/{person_id}/export.json")
    assert export.mimetype == "application/json" and "attachment" in export.headers["Content-Disposition"]
    data = json.loads(export.get_data(as_text=True))
    assert data["respondent"]["email"] == "dirk@example.test"
    assert data["responses"][0]["comment"] == "Brakes still squeak"
    assert data["follow_ups"][0]["notes"][0]["text"] == "Spoke to Dirk"
    _post(client, db, f"/follow-ups/respondents/{person_id}/erase")  # not confirmed: nothing happens
    assert db.session.get(Respondent, person_id).email == "dirk@example.test"
    _post(client, db, f"/follow-ups/respondents/{person_id}/erase", confirm="y")
    person = db.session.get(Respondent, person_id)
    assert person.email != "dirk@example.test" and person.name == ""
    kept = db.session.get(SurveyResponse, shop["late"].id)
    assert (kept.score, kept.comment, kept.respondent_id) == (2, "", None)
    body = client.get(f"/follow-ups/respondents/{person_id}").get_data(as_text=True)
    assert "dirk@example.test" not in body and "Brakes" not in body and "erased" in body


def test_the_pages_are_for_staff(client, db, login, make, shop):
    login(make.member(shop["org"]).user)  # an ambassador
    for path in ("/follow-ups", "/follow-ups/passives", "/follow-ups/privacy",
                 f"/follow-ups/respondents/{shop['person'].id}"):
        assert client.get(path).status_code == 403, path


def test_another_organization_reaches_none_of_it(client, db, login, make, shop):
    follow_up = followups.open_for_response(response=shop["late"])
    login(make.member(make.org(), role="admin").user)
    for path in (f"/follow-ups/{follow_up.id}", f"/follow-ups/respondents/{shop['person'].id}",
                 f"/follow-ups/respondents/{shop['person'].id}/export.json"):
        assert client.get(path).status_code == 404, path
    for path in (f"/follow-ups/{follow_up.id}/notes", f"/follow-ups/{follow_up.id}/update",
                 f"/follow-ups/{follow_up.id}/assign", f"/follow-ups/{follow_up.id}/resurvey",
                 f"/follow-ups/respondents/{shop['person'].id}/erase"):
        assert client.post(path, data={"text": "x", "status": "resolved", "due": "2030-01-01",
                                       "confirm": "y"}).status_code == 404, path
    for path in ("/follow-ups", "/follow-ups/passives", "/follow-ups/privacy?q=example", "/promoters"):
        body = client.get(path).get_data(as_text=True)
        assert "Brakes" not in body and "example.test" not in body, path
    db.session.expire_all()
    assert shop["person"].email == "dirk@example.test" and follow_up.notes == []
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id)).where(FollowUp.org_id != shop["org"].id)) == 0
