import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import Membership, OutboxEmail, User, utcnow
from ambassador.services.org import invitations


@pytest.fixture
def admin(make):
    return make.member(make.org(name="Brasserie Zuid"), role="admin")


def _invite(admin, email, **kw):
    return invitations.create_invitation(org=admin.organization, invited_by=admin, email=email, **kw)


def _membership(db, org, email):
    return db.session.scalar(sa.select(Membership).join(User).where(Membership.org_id == org.id, User.email == email))


# --- Invitations --------------------------------------------------------------------------------

def test_new_person_accepts_sets_name_and_password_and_is_logged_in(app, client, admin, make, db):
    team = make.team(admin.organization)
    with app.test_request_context():
        _, token = _invite(admin, "new@example.test", name="Nina", role="curator", kind="external", teams=[team])
    page = client.get(f"/invite/{token}").get_data(as_text=True)
    assert "Join Brasserie Zuid" in page and "new@example.test" in page and 'value="Nina"' in page
    response = client.post(f"/invite/{token}", data={"name": "Nina N.", "password": "long enough pw"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/feed")
    membership = _membership(db, admin.organization, "new@example.test")
    assert (membership.role, membership.kind, membership.status, membership.teams) == ("curator", "external",
                                                                                       "active", [team])
    assert membership.user.name == "Nina N." and membership.user.check_password("long enough pw")
    assert client.get("/members").status_code == 403  # signed in as a curator of the org
    again = client.get(f"/invite/{token}")
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)


def test_short_password_is_refused_and_nothing_is_created(client, admin, db, app):
    with app.test_request_context():
        _, token = _invite(admin, "short@example.test")
    html = client.post(f"/invite/{token}", data={"name": "S", "password": "short"}).get_data(as_text=True)
    assert "at least 10" in html.lower()
    assert db.session.scalar(sa.select(User).where(User.email == "short@example.test")) is None


def test_existing_user_logs_in_then_accepts(client, admin, make, login, db, app):
    user = make.user(email="known@example.test")
    with app.test_request_context():
        _, token = _invite(admin, "known@example.test")
    page = client.get(f"/invite/{token}").get_data(as_text=True)
    assert "Log in to accept" in page and f"next=/invite/{token}" in page
    login(user)
    assert "Accept and join" in client.get(f"/invite/{token}").get_data(as_text=True)
    response = client.post(f"/invite/{token}")
    assert response.status_code == 302
    assert _membership(db, admin.organization, "known@example.test").status == "active"


def test_logged_in_as_someone_else(client, admin, make, login, db, app):
    with app.test_request_context():
        _, token = _invite(admin, "invitee@example.test")
    login(make.user(email="other@example.test"))
    html = client.get(f"/invite/{token}").get_data(as_text=True)
    assert "You are logged in as other@example.test" in html
    client.post(f"/invite/{token}")
    assert _membership(db, admin.organization, "other@example.test") is None


@pytest.mark.parametrize("state,status,text", [
    ("expired", 410, "has expired"), ("revoked", 410, "withdrawn"), ("unknown", 404, "does not exist")])
def test_unusable_invitations_get_a_clear_page(client, admin, app, db, state, status, text):
    with app.test_request_context():
        invitation, token = _invite(admin, "late@example.test")
    if state == "expired":
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.flush()
    elif state == "revoked":
        invitations.revoke_invitation(actor=admin, invitation=invitation)
    else:
        token = "x" * 43
    for method in (client.get, client.post):
        response = method(f"/invite/{token}", data={"name": "L", "password": "long enough pw"})
        assert response.status_code == status and text in response.get_data(as_text=True)


# --- Join links ---------------------------------------------------------------------------------

def _mail(db, to, text):
    return db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == to, OutboxEmail.body_text.contains(text))
                             .order_by(OutboxEmail.id.desc()))


def _path_in(mail, marker):
    return next(line for line in mail.body_text.splitlines() if marker in line).strip().replace("http://localhost", "")


def test_visitor_signs_up_through_the_join_link_and_the_emailed_link_lets_them_in(client, admin, db):
    token = admin.organization.join_token
    assert "Become an ambassador of Brasserie Zuid" in client.get(f"/join/{token}").get_data(as_text=True)
    response = client.post(f"/join/{token}", data={"name": "Fan", "email": "Fan@Example.test",
                                                   "password": "long enough pw"}, follow_redirects=True)
    assert "Check your email to finish joining Brasserie Zuid" in response.get_data(as_text=True)
    assert client.get("/feed").status_code == 302  # not signed in: nothing proved the address yet
    membership = _membership(db, admin.organization, "fan@example.test")
    assert (membership.role, membership.kind, membership.status, membership.source) == (
        "ambassador", "external", "active", "join")
    assert membership.user.email_verified_at is None
    mail = _mail(db, "fan@example.test", "/email/verify/")
    assert "Brasserie Zuid" in mail.subject
    # The typed password does not sign in until the address is confirmed.
    refused = client.post("/login", data={"email": "fan@example.test", "password": "long enough pw"})
    assert refused.status_code == 200 and "confirm your address first" in refused.get_data(as_text=True)

    confirmed = client.post(_path_in(mail, "/email/verify/"), follow_redirects=True)
    assert confirmed.request.path == "/feed" and "Welcome to Brasserie Zuid" in confirmed.get_data(as_text=True)
    with client.session_transaction() as session:
        assert session["org_id"] == admin.organization.id
    db.session.refresh(membership.user)
    assert membership.user.email_verified_at is not None


def test_join_with_approval_waits_until_a_manager_approves(client, app, admin, make, login, db):
    admin.organization.join_requires_approval = True
    team = make.team(admin.organization, "Store Gent")  # flushes the setting too
    response = client.post(f"/join/{team.join_token}", data={"name": "Wim", "email": "wim@example.test",
                                                             "password": "long enough pw"}, follow_redirects=True)
    assert "An administrator approves new members" in response.get_data(as_text=True)
    membership = _membership(db, admin.organization, "wim@example.test")
    assert membership.status == "pending" and membership.teams == [team]
    confirmed = client.post(_path_in(_mail(db, "wim@example.test", "/email/verify/"), "/email/verify/"),
                            follow_redirects=True)
    assert "will approve your request soon" in confirmed.get_data(as_text=True)
    assert client.get("/feed").status_code == 302  # signed in, but not in yet

    manager = app.test_client()
    manager_member = make.member(admin.organization, role="manager")
    manager.post("/login", data={"email": manager_member.user.email, "password": "correct horse battery"})
    assert "Wim" in manager.get("/members?status=pending").get_data(as_text=True)
    manager.post(f"/members/{membership.id}/approve")
    db.session.refresh(membership)
    assert membership.status == "active"


def test_logged_in_user_joins_with_one_click(client, admin, make, login, db):
    user = make.user(email="one@example.test")
    login(user)
    html = client.get(f"/join/{admin.organization.join_token}").get_data(as_text=True)
    assert "Join as" in html
    client.post(f"/join/{admin.organization.join_token}")
    assert _membership(db, admin.organization, "one@example.test").kind == "external"
    html = client.get(f"/join/{admin.organization.join_token}").get_data(as_text=True)
    assert "already a member" in html


def test_the_join_link_answers_the_same_for_a_known_and_a_new_address(app, client, admin, make, db):
    owner = make.user(email="exists@example.test")
    token = admin.organization.join_token
    answers = []
    for email in ("Exists@example.test", "new@example.test"):
        response = app.test_client().post(f"/join/{token}", data={"name": "E", "email": email,
                                                                  "password": "long enough pw"})
        page = app.test_client().get(response.headers["Location"]).get_data(as_text=True)
        page = re.sub(r'name="csrf_token" value="[^"]*"', "", page)  # differs per browser
        answers.append((response.status_code, response.headers["Location"], page))
    assert answers[0] == answers[1]
    assert "already exists" not in answers[0][2] and "Check your email to finish joining" in answers[0][2]
    # Nothing was created for the known address; its owner is told, with the link to join after signing in.
    assert _membership(db, admin.organization, "exists@example.test") is None
    db.session.refresh(owner)
    assert owner.check_password("correct horse battery")
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == owner.email))
    assert "asked to join Brasserie Zuid" in mail.subject
    assert f"http://localhost/join/{token}" in mail.body_text and "http://localhost/login" in mail.body_text


def test_a_weak_password_is_refused_the_same_way_for_a_known_address(client, admin, make, db):
    make.user(email="exists@example.test")
    for email in ("exists@example.test", "fresh@example.test"):
        response = client.post(f"/join/{admin.organization.join_token}",
                                data={"name": "E", "email": email, "password": "password12"})
        assert response.status_code == 200 and "too easy to guess" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0
    assert db.session.scalar(sa.select(User).where(User.email == "fresh@example.test")) is None


def test_disabled_join_link(client, admin, make, db):
    admin.organization.join_enabled = False
    team = make.team(admin.organization)  # flushes the setting too
    for token in (admin.organization.join_token, team.join_token):
        response = client.post(f"/join/{token}", data={"name": "N", "email": "n@example.test",
                                                       "password": "long enough pw"})
        assert response.status_code == 403 and "Joining is closed" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "n@example.test")) is None


def test_unknown_join_link(client):
    assert client.get("/join/nope").status_code == 404


def test_a_guessable_password_is_refused_when_accepting_an_invitation(client, admin, db, app):
    with app.test_request_context():
        _, token = _invite(admin, "weak@example.test")
    html = client.post(f"/invite/{token}", data={"name": "W", "password": "password12"}).get_data(as_text=True)
    assert "too easy to guess" in html
    assert db.session.scalar(sa.select(User).where(User.email == "weak@example.test")) is None
