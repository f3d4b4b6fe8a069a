"""Unauthenticated forms are throttled per address (F-5): over the limit a POST gets a 429 page that
says when to try again and writes nothing; another address is unaffected; GETs are never counted.
Forgot-password is also limited per target email, answering the same either way."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ambassador.infra import throttle
from ambassador.models import Membership, Organization, OutboxEmail, SurveyResponse, utcnow
from ambassador.services.nps import promoters
from ambassador.services.org import invitations

from ..services.nps.followup_data import answer, survey

STRANGER, NEIGHBOUR = "198.51.100.7", "203.0.113.9"


def _post(client, url, data, address):
    return client.post(url, data=data, environ_base={"REMOTE_ADDR": address})


def _count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# Each form: (FORM_THROTTLES name, set-up) where set-up returns the URL, data that is refused
# without writing anything (still a counted attempt), data that succeeds, and what a success adds.

def _signup(app, db, make):
    good = {"name": "Ann", "email": "ann@example.test", "password": "long enough pw", "org_name": "Zuid",
            "default_locale": "en"}
    return "/signup", {"email": "not-an-email"}, good, Organization


def _forgot(app, db, make):
    user = make.user(email="owner@example.test")
    return "/password/forgot", {"email": "not-an-email"}, {"email": user.email}, OutboxEmail


def _join(app, db, make):
    org = make.member(make.org(), role="admin").organization
    good = {"name": "Fan", "email": "fan@example.test", "password": "long enough pw"}
    return f"/join/{org.join_token}", {**good, "password": "short"}, good, Membership


def _invitation(app, db, make):
    admin = make.member(make.org(), role="admin")
    with app.test_request_context():
        _, token = invitations.create_invitation(org=admin.organization, invited_by=admin, email="new@example.test")
    good = {"name": "Nina", "password": "long enough pw"}
    return f"/invite/{token}", {**good, "password": "short"}, good, Membership


def _promoter_join(app, db, make):
    with app.test_request_context():
        token = promoters.make_join_token(answer(db, survey(db, make.org()), 10))
    good = {"name": "Pia", "email": "pia@example.test", "password": "a long password", "consent": "y"}
    return f"/promoters/join/{token}", {**good, "consent": ""}, good, Membership


def _survey_answer(app, db, make):
    return f"/survey/{survey(db, make.org()).public_token}", {"score": "11"}, {"score": "9"}, SurveyResponse


FORMS = {"signup": _signup, "password_reset": _forgot, "join": _join, "invitation": _invitation,
         "promoter_join": _promoter_join, "survey_answer": _survey_answer}


@pytest.mark.parametrize("name", FORMS)
def test_a_form_is_throttled_per_address_and_writes_nothing_when_it_is(name, app, client, db, make, monkeypatch):
    monkeypatch.setitem(app.config["FORM_THROTTLES"], name, (2, 3600))
    url, refused, good, model = FORMS[name](app, db, make)
    for _ in range(2):
        assert _post(client, url, refused, STRANGER).status_code in (200, 400)
    before = _count(db, model)

    throttled = _post(client, url, good, STRANGER)
    html = throttled.get_data(as_text=True)
    # Until the end of the window that began with the first attempt (seconds ago on a slow machine).
    assert throttled.status_code == 429 and 3500 < int(throttled.headers["Retry-After"]) <= 3600
    assert "Too many attempts from your network. Please wait 1 hour and try again." in html
    assert "<form" not in html or "Back to the form" in html  # a page of the site, not a bare error
    assert _count(db, model) == before
    assert client.get(url, environ_base={"REMOTE_ADDR": STRANGER}).status_code == 200  # GETs are not counted

    accepted = _post(client, url, good, NEIGHBOUR)
    assert accepted.status_code == 302 and _count(db, model) == before + 1


def test_the_throttled_page_speaks_the_visitors_language(app, client, db, make, monkeypatch):
    monkeypatch.setitem(app.config["FORM_THROTTLES"], "signup", (1, 600))
    client.post("/signup", data={})
    html = client.post("/signup", data={}, headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert 'lang="nl"' in html and "10 minuten" in html  # the message goes through _(), translated later


def test_reset_emails_per_address_are_limited_whoever_asks(app, client, db, make):
    """Many addresses asking for one email's reset: at most the per-email limit of emails, same answer each time."""
    user = make.user(email="victim@example.test")
    limit = app.config["FORM_THROTTLES"]["password_reset_email"][0]
    answers = {(r.status_code, r.headers["Location"])
               for r in (_post(client, "/password/forgot", {"email": " Victim@Example.test"}, f"192.0.2.{n}")
                         for n in range(limit + 3))}
    sent = db.session.scalars(sa.select(OutboxEmail.to)).all()
    assert sent == [user.email] * limit
    assert answers == {(302, "/login")}
    # Another email is not held back by the first one's limit.
    other = make.user(email="other@example.test")
    _post(client, "/password/forgot", {"email": other.email}, "192.0.2.200")
    assert db.session.scalars(sa.select(OutboxEmail.to)).all() == [user.email] * limit + [other.email]


# --- Forms that send email to an address, or check a signed-in person's password -----------------

def _count_mail(db, to, text):
    return db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(
        OutboxEmail.to == to, OutboxEmail.body_text.contains(text)))


def test_strangers_cannot_mail_bomb_the_owner_of_a_known_address(app, db, make):
    """Sign-up and join links tell the owner of a known address by email: at most FORM_THROTTLES
    ["known_address_email"] per address, however many addresses post, with the same answer."""
    owner = make.user(email="owner@example.test")
    org = make.member(make.org(), role="admin").organization
    limit = app.config["FORM_THROTTLES"]["known_address_email"][0]
    forms = [("/signup", {"name": "X", "email": owner.email, "password": "long enough pw", "org_name": "Squat",
                          "default_locale": "en"}, "/signup/sent"),
             (f"/join/{org.join_token}", {"name": "X", "email": owner.email, "password": "long enough pw"},
              f"/join/{org.join_token}/sent")]
    for n in range(limit + 2):
        url, data, sent = forms[n % 2]
        response = _post(app.test_client(), url, data, f"192.0.2.{n}")
        assert (response.status_code, response.headers["Location"]) == (302, sent)
    assert _count_mail(db, owner.email, "with your email address") == limit


def test_the_current_password_check_is_throttled_per_user(app, client, db, make, login, monkeypatch):
    monkeypatch.setitem(app.config["FORM_THROTTLES"], "password_check", (2, 3600))
    # One fixed moment for every request: the wait then reads "1 hour" however slowly the requests run
    # (a second between the first attempt and the refusal made it "60 minutes" on a busy machine).
    moment = utcnow()
    monkeypatch.setattr(throttle, "utcnow", lambda: moment)
    user = make.member(make.org()).user
    login(user)
    new = {"password": "quiet violet harbour", "confirm": "quiet violet harbour"}
    for _ in range(2):
        wrong = client.post("/profile/password", data={"current_password": "a guess", **new})
        assert wrong.status_code == 200 and "not your current password" in wrong.get_data(as_text=True)
    throttled = client.post("/profile/password", data={"current_password": "correct horse battery", **new})
    assert throttled.status_code == 429 and "Too many attempts. Please wait 1 hour" in throttled.get_data(as_text=True)
    db.session.expire_all()
    assert user.check_password("correct horse battery")  # nothing was checked nor changed
    assert client.get("/profile/password").status_code == 200  # GETs are not counted
    # Per user, not per address: someone else on the same network changes theirs.
    other = make.member(make.org()).user
    other_client = app.test_client()
    other_client.post("/login", data={"email": other.email, "password": "correct horse battery"})
    assert other_client.post("/profile/password", data={"current_password": "correct horse battery",
                                                        **new}).status_code == 302


def test_a_wait_that_began_a_moment_ago_reads_as_whole_minutes(app):
    from ambassador.web.throttling import wait_text

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert wait_text(3599) == "1 hour"  # not "60 minutes"
        assert wait_text(299) == "5 minutes"
        assert wait_text(30) == "30 seconds"
