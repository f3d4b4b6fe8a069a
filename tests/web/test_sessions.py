"""Server-side sessions: logout, password change and reset end them; remember-me expires on the server."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import OutboxEmail, UserSession, utcnow

PASSWORD = "correct horse battery"


def _cookie(client, name):
    cookie = client.get_cookie(name)
    return cookie.value if cookie is not None else None


def _log_in(client, user, *, remember=False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def _replay(app, name, value):
    """A fresh browser holding only one copied cookie."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other


def test_replayed_session_cookie_after_logout_is_not_signed_in(app, client, make):
    user = make.member(make.org()).user
    _log_in(client, user)
    saved = _cookie(client, "session")
    assert _replay(app, "session", saved).get("/profile").status_code == 200
    client.post("/logout")
    response = _replay(app, "session", saved).get("/profile")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_replayed_remember_me_cookie_after_logout_is_not_signed_in(app, client, make):
    user = make.member(make.org()).user
    _log_in(client, user, remember=True)
    remember = _cookie(client, "remember_token")
    assert remember is not None
    assert _replay(app, "remember_token", remember).get("/profile").status_code == 200
    client.post("/logout")
    assert _replay(app, "remember_token", remember).get("/profile").status_code == 302


def test_remember_me_past_its_expiry_is_not_signed_in(app, client, make, db):
    user = make.member(make.org()).user
    _log_in(client, user, remember=True)
    remember = _cookie(client, "remember_token")
    row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id))
    assert row.remember and row.expires_at - row.created_at == timedelta(days=app.config["REMEMBER_DAYS"])
    row.expires_at = utcnow() - timedelta(seconds=1)  # REMEMBER_DAYS later
    db.session.commit()
    assert _replay(app, "remember_token", remember).get("/profile").status_code == 302


def test_session_without_remember_me_ends_after_idle_hours(app, client, make, db):
    user = make.member(make.org()).user
    _log_in(client, user)
    row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id))
    row.last_seen_at = utcnow() - timedelta(hours=app.config["SESSION_IDLE_HOURS"], seconds=1)
    db.session.commit()
    assert client.get("/profile").status_code == 302


def test_last_seen_is_written_only_every_few_minutes(client, make, db):
    user = make.member(make.org()).user
    _log_in(client, user)
    row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id))
    first_seen = row.last_seen_at
    client.get("/profile")
    db.session.refresh(row)
    assert row.last_seen_at == first_seen
    row.last_seen_at = first_seen - timedelta(minutes=6)
    db.session.commit()
    client.get("/profile")
    db.session.refresh(row)
    assert row.last_seen_at > first_seen - timedelta(minutes=6)


def test_the_database_keeps_only_a_hash_of_the_session_token(client, make, db):
    user = make.member(make.org()).user
    _log_in(client, user, remember=True)
    row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id))
    assert row.id not in _cookie(client, "remember_token")


def test_password_change_signs_out_other_sessions_but_not_this_one(app, client, make, db):
    user = make.member(make.org()).user
    other = app.test_client()
    _log_in(other, user, remember=True)
    other_remember = _cookie(other, "remember_token")
    _log_in(client, user)
    response = client.post("/profile/password", data={
        "current_password": PASSWORD, "password": "quiet violet harbour", "confirm": "quiet violet harbour"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/profile").status_code == 200
    assert other.get("/profile").status_code == 302
    assert _replay(app, "remember_token", other_remember).get("/profile").status_code == 302
    db.session.expire_all()
    assert user.check_password("quiet violet harbour")


def test_password_change_needs_the_current_password_and_a_strong_new_one(client, make, db):
    user = make.member(make.org()).user
    _log_in(client, user)
    page = client.get("/profile").get_data(as_text=True)
    assert "/profile/password" in page
    wrong = client.post("/profile/password", data={
        "current_password": "not it at all", "password": "quiet violet harbour", "confirm": "quiet violet harbour"})
    assert "not your current password" in wrong.get_data(as_text=True)
    weak = client.post("/profile/password", data={
        "current_password": PASSWORD, "password": "password12", "confirm": "password12"})
    assert "too easy to guess" in weak.get_data(as_text=True)
    db.session.expire_all()
    assert user.check_password(PASSWORD)


def test_password_reset_signs_out_every_session(app, client, make, db):
    user = make.member(make.org()).user
    first, second = app.test_client(), app.test_client()
    _log_in(first, user)
    _log_in(second, user, remember=True)
    remember = _cookie(second, "remember_token")
    client.post("/password/forgot", data={"email": user.email})
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == user.email))
    link = next(line for line in mail.body_text.splitlines() if "/password/reset/" in line).strip()
    response = client.post(link.replace("http://localhost", ""),
                           data={"password": "quiet violet harbour", "confirm": "quiet violet harbour"})
    assert response.status_code == 302
    assert first.get("/profile").status_code == 302
    assert second.get("/profile").status_code == 302
    assert _replay(app, "remember_token", remember).get("/profile").status_code == 302
    assert client.get("/profile").status_code == 200  # the browser that reset it starts a fresh session


def test_the_profile_lists_sessions_and_signs_out_the_others(app, client, make):
    user = make.member(make.org()).user
    other = app.test_client()
    other.environ_base["HTTP_USER_AGENT"] = "OtherBrowser/1.0"
    _log_in(other, user)
    _log_in(client, user)
    page = client.get("/profile").get_data(as_text=True)
    assert "OtherBrowser/1.0" in page and "this browser" in page
    response = client.post("/profile/sessions/sign-out-others", follow_redirects=True)
    assert "1 other session is signed out" in response.get_data(as_text=True)
    assert other.get("/profile").status_code == 302
    assert client.get("/profile").status_code == 200


def test_ended_sessions_are_pruned_after_a_day(client, make, db):
    from ambassador.services.org import sessions

    user = make.member(make.org()).user
    _log_in(client, user)
    client.post("/logout")
    _log_in(client, user)
    assert sessions.prune() == 0  # ended less than a day ago, or still live
    assert sessions.prune(now=utcnow() + timedelta(days=1, minutes=1)) == 1
    assert client.get("/profile").status_code == 200


@pytest.mark.parametrize(("agent", "label"), [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 "
     "Edg/130.0", "Edge · Windows"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox · Linux"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.1 Mobile/15E148 Safari/604.1", "Safari · iOS"),
    ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
     "Chrome · Android"),
    ("curl/8.5.0", ""),
])
def test_sessions_are_listed_by_browser_and_system(agent, label):
    from ambassador.services.org.sessions import device_label

    assert device_label(agent) == label
