"""Logins: equal work for unknown emails (F-1) and throttling that slows guessing without handing a
stranger a lock on someone else's account (F-4)."""
from __future__ import annotations

import pytest

from ambassador.models import User

STRANGER, OWNER = "198.51.100.7", "203.0.113.9"
RIGHT = "correct horse battery"


def spy_on_password_checks(monkeypatch) -> list[str]:
    """Every password hash a password is checked against (User.check_password runs the KDF)."""
    checked: list[str] = []
    real = User.check_password

    def spy(user, password):
        checked.append(user.password_hash)
        return real(user, password)

    monkeypatch.setattr(User, "check_password", spy)
    return checked


@pytest.fixture
def kdf_checks(monkeypatch):
    return spy_on_password_checks(monkeypatch)


def _login(client, email, password, address):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def test_unknown_emails_cost_the_same_kdf_work_as_known_ones(client, make, kdf_checks):
    user = make.user(email="known@example.test")
    invited = make.user(email="no-password@example.test")
    invited.password_hash = None
    for email in (user.email, "nobody@example.test", invited.email):
        response = _login(client, email, "wrong password", STRANGER)
        assert "That email and password do not match." in response.get_data(as_text=True)
    assert len(kdf_checks) == 3
    method = user.password_hash.rsplit("$", 2)[0]  # e.g. scrypt:32768:8:1 — same KDF and parameters
    assert [h.rsplit("$", 2)[0] for h in kdf_checks] == [method] * 3


def test_a_strangers_failures_do_not_lock_the_owner_out(app, client, make, kdf_checks):
    user = make.user(email="owner@example.test")
    limit = app.config["LOGIN_FAILURES_PER_ACCOUNT_ADDRESS"]
    for _ in range(limit):
        assert _login(client, user.email, "guess", STRANGER).status_code == 200
    waiting = _login(client, user.email, RIGHT, STRANGER)
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "1"
    assert "Too many failed attempts. Please wait 1 second and try again." in waiting.get_data(as_text=True)
    assert len(kdf_checks) == limit  # the throttled attempt checked nothing
    assert _login(client, user.email, RIGHT, OWNER).status_code == 302


def test_a_success_forgets_the_failures_of_that_account_from_that_address(app, client, make):
    user = make.user(email="owner@example.test")
    limit = app.config["LOGIN_FAILURES_PER_ACCOUNT_ADDRESS"]
    for _ in range(limit - 1):
        _login(client, user.email, "typo", OWNER)
    assert _login(client, user.email, RIGHT, OWNER).status_code == 302
    client.post("/logout")
    for _ in range(limit):
        assert _login(client, user.email, "typo", OWNER).status_code == 200
    assert _login(client, user.email, "typo", OWNER).status_code == 429


def test_an_address_guessing_across_accounts_is_slowed(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ADDRESS", 3)
    people = [make.user(email=f"user{n}@example.test") for n in range(4)]
    for person in people[:3]:
        assert _login(client, person.email, "guess", STRANGER).status_code == 200
    assert _login(client, people[3].email, RIGHT, STRANGER).status_code == 429
    assert _login(client, people[3].email, RIGHT, OWNER).status_code == 302


def test_successful_logins_do_not_use_up_the_address_budget(app, client, make, monkeypatch):
    """An office behind one address: its people logging in do not count as failures."""
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ADDRESS", 2)
    for n in range(4):
        person = make.user(email=f"colleague{n}@example.test")
        assert _login(client, person.email, RIGHT, OWNER).status_code == 302
        client.post("/logout")


def test_rotating_addresses_inside_one_ipv6_network_counts_as_one_address(app, client, make, kdf_checks):
    """A home or phone gets a whole /64: a fresh address from it is the same guesser."""
    user = make.user(email="owner@example.test")
    limit = app.config["LOGIN_FAILURES_PER_ACCOUNT_ADDRESS"]
    for n in range(limit):
        assert _login(client, user.email, "guess", f"2001:db8:1:2::{n + 1:x}").status_code == 200
    assert _login(client, user.email, RIGHT, "2001:db8:1:2::ffff").status_code == 429
    assert len(kdf_checks) == limit
    assert _login(client, user.email, RIGHT, "2001:db8:9:9::1").status_code == 302  # another network: the owner
