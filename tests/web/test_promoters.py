"""Promoter pages: the invitation on the thank-you page, joining (new or logged-in person), bulk invitations."""
from __future__ import annotations

import sqlalchemy as sa

from ambassador.models import Invitation, Membership, OutboxEmail, User, utcnow
from ambassador.services.nps import promoters
from ambassador.web.survey_public import response_key

from ..services.nps.followup_data import answer, respondent, survey

PASSWORD = "a long password"


def _token(app, response):
    with app.test_request_context():
        return promoters.make_join_token(response)


def _thanks(client, app, response):
    with app.test_request_context():
        key = response_key(response)
    return client.get(f"/survey/r/{key}/thanks").get_data(as_text=True)


def test_the_thank_you_page_invites_promoters_with_their_email(app, client, db, make):
    org = make.org(name="Bakkerij Noord")
    s = survey(db, org)
    person = respondent(db, org, email="fan@example.test")
    page = _thanks(client, app, answer(db, s, 10, person=person, invited=True))
    assert "Become an ambassador of Bakkerij Noord" in page
    assert 'value="fan@example.test"' in page and 'name="consent"' in page and "/promoters/join/" in page
    assert "/promoters/join/" not in _thanks(client, app, answer(db, s, 8))
    s.invite_promoters = False
    db.session.flush()
    assert "/promoters/join/" not in _thanks(client, app, answer(db, s, 10))


def _mail(db, to, text):
    return db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == to, OutboxEmail.body_text.contains(text)))


def test_a_new_person_joins_with_consent_and_lands_on_the_feed_through_the_emailed_link(app, client, db, make):
    org = make.org(name="Bakkerij Noord")
    s = survey(db, org)
    token = _token(app, answer(db, s, 9))  # a public link: nothing proves the address they type
    data = {"name": "Pia Promoter", "email": "pia@example.test", "password": PASSWORD}
    refused = client.post(f"/promoters/join/{token}", data=data)
    assert refused.status_code == 200 and "Tick the box" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "pia@example.test")) is None
    joined = client.post(f"/promoters/join/{token}", data={**data, "consent": "y"}, follow_redirects=True)
    assert "Check your email to finish joining Bakkerij Noord" in joined.get_data(as_text=True)
    assert client.get("/feed").status_code == 302  # not signed in yet
    membership = db.session.scalar(sa.select(Membership).join(User).where(User.email == "pia@example.test"))
    assert (membership.org_id, membership.kind, membership.role, membership.status, membership.source) == (
        org.id, "external", "ambassador", "active", f"nps:{s.id}")
    assert membership.user.email_verified_at is None
    link = next(line for line in _mail(db, "pia@example.test", "/email/verify/").body_text.splitlines()
                if "/email/verify/" in line).strip()
    landed = client.post(link.replace("http://localhost", ""), follow_redirects=True)
    assert landed.request.path == "/feed" and "Welcome to Bakkerij Noord" in landed.get_data(as_text=True)


def test_a_typed_known_address_gets_the_same_answer_and_its_owner_an_email(app, client, db, make):
    org = make.org(name="Bakkerij Noord")
    owner = make.user(email="owner@example.test")
    token = _token(app, answer(db, survey(db, org), 10))
    answers = []
    for email in ("owner@example.test", "stranger@example.test"):
        response = app.test_client().post(f"/promoters/join/{token}", data={
            "name": "X", "email": email, "password": PASSWORD, "consent": "y"})
        answers.append((response.status_code, response.headers["Location"]))
    assert answers[0] == answers[1] == (302, f"/promoters/join/{token}/sent")
    assert db.session.scalar(sa.select(Membership).where(Membership.org_id == org.id,
                                                         Membership.user_id == owner.id)) is None
    mail = _mail(db, owner.email, f"/promoters/join/{token}")
    assert "asked to join Bakkerij Noord" in mail.subject


def test_a_survey_invitation_to_that_address_proves_it_and_signs_in_at_once(app, client, db, make):
    org = make.org(name="Bakkerij Noord")
    s = survey(db, org)
    person = respondent(db, org, email="fan@example.test")
    token = _token(app, answer(db, s, 10, person=person, invited=True, created_at=utcnow()))
    joined = client.post(f"/promoters/join/{token}", data={"name": "Fan", "email": "Fan@example.test",
                                                           "password": PASSWORD, "consent": "y"})
    assert joined.status_code == 302 and joined.headers["Location"].endswith("/feed")
    user = db.session.scalar(sa.select(User).where(User.email == "fan@example.test"))
    assert user.email_verified_at is not None
    assert client.get("/feed").status_code == 200  # logged in
    # Another address than the invited one proves nothing: the join-link sign-up.
    other = app.test_client().post(f"/promoters/join/{token}", data={
        "name": "Eve", "email": "eve@example.test", "password": PASSWORD, "consent": "y"})
    assert other.headers["Location"] == f"/promoters/join/{token}/sent"


def test_a_logged_in_person_joins_in_one_click(app, client, db, make, login):
    org = make.org()
    s = survey(db, org)
    user = make.member(make.org(), role="admin").user
    login(user)
    token = _token(app, answer(db, s, 10))
    page = client.get(f"/promoters/join/{token}").get_data(as_text=True)
    assert "Join as" in page and 'name="password"' not in page
    assert client.post(f"/promoters/join/{token}", data={"consent": "y"}).status_code == 302
    membership = db.session.scalar(sa.select(Membership).where(Membership.org_id == org.id,
                                                               Membership.user_id == user.id))
    assert membership.source == f"nps:{s.id}" and membership.kind == "external"


def test_join_requests_wait_for_approval(app, client, db, make):
    org = make.org(join_requires_approval=True)
    token = _token(app, answer(db, survey(db, org), 10))
    response = client.post(f"/promoters/join/{token}", data={"name": "Pat", "email": "pat@example.test",
                                                              "password": PASSWORD, "consent": "y"})
    assert response.status_code == 302 and "/feed" not in response.headers["Location"]
    membership = db.session.scalar(sa.select(Membership).join(User).where(User.email == "pat@example.test"))
    assert membership.status == "pending"
    link = next(line for line in _mail(db, "pat@example.test", "/email/verify/").body_text.splitlines()
                if "/email/verify/" in line).strip()
    landed = client.post(link.replace("http://localhost", ""), follow_redirects=True)
    assert "will approve your request soon" in landed.get_data(as_text=True)


def test_bad_tokens_are_refused(app, client, db, make, monkeypatch):
    s = survey(db, make.org())
    passive = _token(app, answer(db, s, 8))
    assert client.get(f"/promoters/join/{passive}").status_code == 403
    assert client.post(f"/promoters/join/{passive}", data={"name": "X", "email": "x@example.test",
                                                            "password": PASSWORD, "consent": "y"}).status_code == 403
    assert db.session.scalar(sa.select(User).where(User.email == "x@example.test")) is None
    assert client.get("/promoters/join/not-a-token").status_code == 404
    token = _token(app, answer(db, s, 10))
    monkeypatch.setitem(app.config, "PROMOTER_JOIN_TTL_DAYS", -1)
    expired = client.get(f"/promoters/join/{token}")
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)


def test_a_join_posted_from_another_site_is_refused(app, client, db, make):
    token = _token(app, answer(db, survey(db, make.org()), 10))
    data = {"name": "Eve", "email": "eve@example.test", "password": PASSWORD, "consent": "y"}
    assert client.post(f"/promoters/join/{token}", data=data,
                       headers={"Origin": "https://evil.example"}).status_code == 400
    assert client.post(f"/promoters/join/{token}", data=data,
                       headers={"Sec-Fetch-Site": "cross-site"}).status_code == 400
    assert client.post(f"/promoters/join/{token}", data=data,
                       headers={"Origin": "http://localhost"}).status_code == 302


def test_managers_invite_promoters_in_bulk_and_see_recruitment(app, client, db, make, login):
    org = make.org()
    manager = make.member(org, role="manager")
    s = survey(db, org, title="Winter survey")
    fan = respondent(db, org, email="fan@example.test", name="Fay")
    fan_answer = answer(db, s, 10, person=fan, comment="Lovely bread")
    promoters.join_as_promoter(response=answer(db, s, 9), user=make.user())
    login(manager.user)
    page = client.get("/promoters").get_data(as_text=True)
    assert "fan@example.test" in page and "Recruitment" in page and "Winter survey" in page
    response = client.post("/promoters/invite", data={"responses": [fan_answer.id]})
    assert response.status_code == 302
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.email == "fan@example.test"))
    assert (invitation.source, invitation.kind) == (f"nps:{s.id}", "external")
    assert "Invited" in client.get("/promoters").get_data(as_text=True)


def test_promoter_pages_are_for_managers_and_scoped(app, client, db, make, login):
    org, other = make.org(), make.org()
    foreign = answer(db, survey(db, other), 10, person=respondent(db, other, email="theirs@example.test"))
    login(make.member(org, role="curator").user)
    assert client.get("/promoters").status_code == 403
    client.post("/logout")
    login(make.member(org, role="manager").user)
    assert "theirs@example.test" not in client.get("/promoters").get_data(as_text=True)
    client.post("/promoters/invite", data={"responses": [foreign.id]})
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
