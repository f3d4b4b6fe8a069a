import sqlalchemy as sa

from ambassador.models import Membership, Organization, OutboxEmail, ThrottleCounter, User


def test_signup_creates_organization_with_creator_as_admin(client, db):
    response = client.post("/signup", data={
        "name": "Ann Admin", "email": "Ann@Example.test", "password": "long enough pw",
        "org_name": "Brasserie Zuid", "default_locale": "nl", "disclosure": "#employee"})
    assert response.status_code == 302
    org = db.session.scalar(sa.select(Organization).where(Organization.name == "Brasserie Zuid"))
    assert org.slug == "brasserie-zuid" and org.default_locale == "nl" and org.disclosure == "#employee"
    member = db.session.scalar(sa.select(Membership).where(Membership.org_id == org.id))
    assert member.role == "admin" and member.user.email == "ann@example.test"


def _signup(client, email, password="long enough pw", org_name="Other"):
    return client.post("/signup", data={"name": "Xavier", "email": email, "password": password, "org_name": org_name})


def test_signup_answers_the_same_for_a_known_and_a_new_address(client, db, make):
    owner = make.user(email="taken@example.test")
    before = db.session.scalar(sa.select(sa.func.count(Organization.id)))
    known = _signup(client, "Taken@example.test", org_name="Squatter")
    new = _signup(client, "fresh@example.test", org_name="Fresh org")
    assert known.status_code == new.status_code == 302
    assert known.headers["Location"] == new.headers["Location"] == "/signup/sent"
    known_page = client.get(known.headers["Location"]).get_data(as_text=True)
    assert "Check your email to finish signing up" in known_page
    assert "already exists" not in known_page
    # Neither answer signs anyone in.
    assert client.get("/profile").status_code == 302
    # Only the new address got an organization; the owner of the known one is told by email.
    assert db.session.scalar(sa.select(Organization.id).where(Organization.name == "Squatter")) is None
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == before + 1
    owner_mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == owner.email))
    assert "tried to sign up" in owner_mail.subject
    assert "/password/forgot" in owner_mail.body_text and "/login" in owner_mail.body_text


def test_signup_refuses_a_weak_password_the_same_way_for_a_known_address(client, db, make):
    make.user(email="taken@example.test")
    for email in ("taken@example.test", "fresh@example.test"):
        response = _signup(client, email, password="password12")
        assert response.status_code == 200
        assert "too easy to guess" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0


def test_login_wrong_password_then_throttled(client, make, app):
    user = make.user(email="t@example.test")
    for _ in range(app.config["LOGIN_FAILURES_PER_ACCOUNT_ADDRESS"]):
        response = client.post("/login", data={"email": user.email, "password": "wrong"})
        assert "do not match" in response.get_data(as_text=True)
    # From the same address even the right password waits (tests/web/test_login_throttle.py: not elsewhere).
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_successful_login_clears_failures_and_renews_session(client, make, db):
    org = make.org()
    member = make.member(org)
    client.post("/login", data={"email": member.user.email, "password": "wrong"})
    with client.session_transaction() as s:
        s["stale"] = "value"
    response = client.post("/login", data={"email": member.user.email, "password": "correct horse battery"})
    assert response.status_code == 302
    with client.session_transaction() as s:
        assert "stale" not in s
    # The (account, address) failures are forgotten; the address keeps its one failure.
    hits = dict(db.session.execute(sa.select(ThrottleCounter.scope, ThrottleCounter.hits)).all())
    assert hits == {"login_account_address": 0, "login_address": 1}


def test_login_next_is_not_an_open_redirect(client, make):
    member = make.member(make.org())
    response = client.post("/login?next=//evil.example/x",
                           data={"email": member.user.email, "password": "correct horse battery"})
    assert response.headers["Location"] == "/feed"


def test_password_reset_round_trip_and_link_is_single_use(client, make, db):
    member = make.member(make.org())
    client.post("/password/forgot", data={"email": member.user.email})
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == member.user.email))
    link = next(line for line in mail.body_text.splitlines() if "/password/reset/" in line).strip()
    path = link.replace("http://localhost", "")
    response = client.post(path, data={"password": "a brand new pw", "confirm": "a brand new pw"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.user_id).check_password("a brand new pw")
    again = client.post(path, data={"password": "another new pw", "confirm": "another new pw"})
    assert again.status_code == 302 and "/password/forgot" in again.headers["Location"]


def test_forgot_password_does_not_reveal_accounts(client, db):
    response = client.post("/password/forgot", data={"email": "nobody@example.test"}, follow_redirects=True)
    assert "If that address has an account" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0


def test_switch_organization_only_to_own(client, make, login):
    user = make.user()
    a, b, other = make.org(name="Alpha"), make.org(name="Beta"), make.org(name="Gamma")
    make.member(a, user=user)
    make.member(b, user=user)
    login(user)
    assert client.post(f"/switch/{b.id}").status_code == 302
    with client.session_transaction() as s:
        assert s["org_id"] == b.id
    assert client.post(f"/switch/{other.id}").status_code == 404


def test_logout_requires_post(client, make, login):
    login(make.member(make.org()).user)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302


def test_password_reset_refuses_a_guessable_password(client, make, db):
    member = make.member(make.org())
    client.post("/password/forgot", data={"email": member.user.email})
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == member.user.email))
    link = next(line for line in mail.body_text.splitlines() if "/password/reset/" in line).strip()
    response = client.post(link.replace("http://localhost", ""), data={"password": "1234567890",
                                                                       "confirm": "1234567890"})
    assert response.status_code == 200 and "too easy to guess" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, member.user_id).check_password("correct horse battery")
