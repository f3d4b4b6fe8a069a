"""Email verification: a sign-up confirms its address by link; until then the account sends no email."""
import re

import sqlalchemy as sa

from ambassador.models import Invitation, Membership, OutboxEmail, ThrottleCounter, User, UserSession
from ambassador.services.org import email_verification, invitations

PASSWORD = "long enough pw"


def _mail(db, to, text):
    return db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == to, OutboxEmail.body_text.contains(text))
                             .order_by(OutboxEmail.id.desc()))


def _link_path(mail, marker):
    link = next(line for line in mail.body_text.splitlines() if marker in line).strip()
    assert link.startswith("http://localhost/")  # absolute, from PUBLIC_BASE_URL
    return link.replace("http://localhost", "")


def _sign_up(client, email="ann@example.test"):
    response = client.post("/signup", data={"name": "Ann Admin", "email": email, "password": PASSWORD,
                                            "org_name": "Brasserie Zuid", "default_locale": "en"})
    assert response.status_code == 302
    return response


def test_sign_up_emails_a_link_that_confirms_and_signs_in(client, db):
    _sign_up(client)
    user = db.session.scalar(sa.select(User).where(User.email == "ann@example.test"))
    assert user.email_verified_at is None
    path = _link_path(_mail(db, user.email, "/email/verify/"), "/email/verify/")
    # Opening the link (a mail scanner would) confirms nothing; the button does.
    page = client.get(path)
    assert page.status_code == 200 and "Confirm my email address" in page.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email_verified_at is None
    response = client.post(path)
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email_verified_at is not None
    assert client.get("/settings").status_code == 200  # signed in, admin of the new organization
    # Used: it neither confirms again nor signs another browser in.
    other = client.application.test_client()
    assert "already confirmed" in other.get(path).get_data(as_text=True)
    other.post(path)
    assert other.get("/profile").status_code == 302


def test_a_forged_or_outdated_link_is_refused(client, db, make):
    user = make.user(email="bob@example.test", email_verified_at=None)
    with client.application.test_request_context():
        token = email_verification.make_token(user)
    user.email = "robert@example.test"  # the link named the old address
    db.session.commit()
    response = client.post(f"/email/verify/{token}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.get("/email/verify/not-a-token")
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email_verified_at is None


def _signed_in_unverified(db, make, login, **member):
    """An unverified account with a session still open: one opened before a password log-in needed a
    confirmed address (today an unverified account cannot sign in with its password at all)."""
    user = make.member(make.org(), **member).user
    login(user)
    user.email_verified_at = None
    db.session.commit()
    return user


def _verification_mails(db, to):
    return db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(
        OutboxEmail.to == to, OutboxEmail.body_text.contains("/email/verify/")))


def test_an_unverified_account_sees_a_banner_and_can_have_the_link_sent_again(client, db, make, login):
    user = _signed_in_unverified(db, make, login, role="admin")
    page = client.get("/profile").get_data(as_text=True)
    assert "Confirm your email address" in page and "Send the link again" in page
    client.post("/email/verify", data={"next": "/profile"})
    assert _mail(db, user.email, "/email/verify/") is not None
    verified = make.member(make.org(), role="admin").user
    client.post("/logout")
    login(verified)
    assert "Send the link again" not in client.get("/profile").get_data(as_text=True)


def test_send_the_link_again_is_throttled_per_address_and_says_so_to_its_owner(app, client, db, make, login):
    user = _signed_in_unverified(db, make, login)
    limit = app.config["FORM_THROTTLES"]["verification_email"][0]
    for attempt in range(limit + 2):
        response = client.post("/email/verify", data={"next": "/profile"}, follow_redirects=True)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        if attempt < limit:
            assert f"We sent a new confirmation link to {user.email}" in page
        else:  # the signed-in owner is told the truth: nothing went this time
            assert "We already sent several links in the last hour" in page and "We sent a new" not in page
    assert _verification_mails(db, user.email) == limit


def test_an_unverified_admin_cannot_send_invitations(client, db, make, login):
    _signed_in_unverified(db, make, login, role="admin")
    response = client.post("/members/invite", data={"email": "friend@example.test", "role": "ambassador",
                                                      "kind": "internal"})
    assert "Confirm your email address first" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(
        OutboxEmail.to == "friend@example.test")) == 0


def _login_answer(client, email, password, address="198.51.100.7"):
    response = client.post("/login", data={"email": email, "password": password},
                           environ_base={"REMOTE_ADDR": address})
    return response.status_code, re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))


def test_signing_up_then_logging_in_does_not_tell_whether_the_address_was_new(app, client, db, make):
    """F-1 follow-up: an unverified account's right password gets exactly the wrong password's answer
    (so signing up with someone's address and logging in reveals nothing), and a fresh link is emailed."""
    owner = make.user(email="victim@example.test")
    _sign_up(client, email="victim@example.test")  # known: nothing created, the password is not theirs
    _sign_up(client, email="newcomer@example.test")  # new: an unverified account with PASSWORD
    known = _login_answer(app.test_client(), "victim@example.test", PASSWORD)
    new = _login_answer(app.test_client(), "newcomer@example.test", PASSWORD)
    wrong = _login_answer(app.test_client(), "newcomer@example.test", "not the password")
    assert new == wrong
    assert known[0] == new[0] == 200
    assert known[1].replace("victim@", "newcomer@") == new[1]
    assert ("That email and password do not match. If you signed up recently, confirm your address first "
            "with the link we emailed you.") in new[1]
    assert db.session.scalar(sa.select(UserSession.id).where(UserSession.user_id != owner.id)) is None
    # The right password sent a fresh link (the sign-up's own one, then this one); the wrong one did not.
    assert _verification_mails(db, "newcomer@example.test") == 2
    # And it counted as a failure, like a wrong password (no throttle behaviour tells them apart).
    hits = db.session.scalars(sa.select(ThrottleCounter.hits).where(ThrottleCounter.scope == "login_address")).all()
    assert hits == [3]


def test_logging_in_unverified_sends_at_most_a_few_links_per_hour(app, client, db):
    _sign_up(client, email="eager@example.test")
    limit = app.config["FORM_THROTTLES"]["verification_email"][0]
    for n in range(limit + 2):
        status, _page = _login_answer(app.test_client(), "eager@example.test", PASSWORD, address=f"192.0.2.{n}")
        assert status == 200
    assert _verification_mails(db, "eager@example.test") == 1 + limit  # the sign-up's link, then the throttled ones


def test_joining_through_an_invitation_email_verifies_the_address(app, client, db, make):
    admin = make.member(make.org(), role="admin")
    with app.test_request_context():
        _, token = invitations.create_invitation(org=admin.organization, invited_by=admin, email="nina@example.test")
    client.post(f"/invite/{token}", data={"name": "Nina", "password": PASSWORD})
    user = db.session.scalar(sa.select(User).where(User.email == "nina@example.test"))
    assert user.email_verified_at is not None


def test_joining_through_a_join_link_does_not_verify(client, db, make):
    org = make.org(join_enabled=True, join_requires_approval=False)
    response = client.post(f"/join/{org.join_token}", data={"name": "Jo", "email": "jo@example.test",
                                                            "password": PASSWORD})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "jo@example.test"))
    assert user.email_verified_at is None  # they typed the address; nothing proved it
    assert db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id)).status == "active"
    assert client.get("/feed").status_code == 302  # not signed in until the emailed link is used


def test_a_password_reset_verifies_the_address(client, db, make):
    user = make.member(make.org(), email_verified_at=None).user
    client.post("/password/forgot", data={"email": user.email})
    path = _link_path(_mail(db, user.email, "/password/reset/"), "/password/reset/")
    client.post(path, data={"password": "quiet violet harbour", "confirm": "quiet violet harbour"})
    db.session.refresh(user)
    assert user.email_verified_at is not None


def test_whoever_typed_the_address_cannot_sign_in(app, client, db):
    _sign_up(client, email="dora@example.test")
    squatter = app.test_client()  # whoever typed the address knows the password
    assert squatter.post("/login", data={"email": "dora@example.test", "password": PASSWORD}).status_code == 200
    assert squatter.get("/profile").status_code == 302
    path = _link_path(_mail(db, "dora@example.test", "/email/verify/"), "/email/verify/")
    client.post(path)  # the owner of the mailbox confirms
    assert client.get("/profile").status_code == 200


def test_confirming_ends_sessions_opened_before_the_address_was_proven(app, client, db, make):
    user = make.member(make.org()).user
    squatter = app.test_client()
    assert squatter.post("/login", data={"email": user.email, "password": "correct horse battery"}).status_code == 302
    user.email_verified_at = None  # a session still open from before the address needed confirming
    db.session.commit()
    with app.test_request_context():
        token = email_verification.make_token(user)
    client.post(f"/email/verify/{token}")  # the owner of the mailbox confirms
    assert squatter.get("/profile").status_code == 302
    assert client.get("/profile").status_code == 200


def test_confirming_while_signed_in_keeps_this_session(client, db, make, login):
    user = _signed_in_unverified(db, make, login)
    client.post("/email/verify", data={"next": "/profile"})
    path = _link_path(_mail(db, user.email, "/email/verify/"), "/email/verify/")
    assert client.post(path).status_code == 302
    assert client.get("/profile").status_code == 200
    db.session.refresh(user)
    assert user.email_verified_at is not None
