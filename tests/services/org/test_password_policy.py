"""One password policy (NIST 800-63B): 10+ characters, not common or guessable, not your email or name."""
from __future__ import annotations

import pytest

from ambassador.services.org import accounts
from ambassador.services.org.password_policy import PasswordError, check_password

EMAIL, NAME = "anna.peeters@example.test", "Anna Peeters"


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "1234567890", "password12", "ambassador", "qwertyuiop",
                                      "iloveyou2024"])
def test_common_and_guessable_passwords_are_refused_with_advice(app, password):
    with app.test_request_context(), pytest.raises(PasswordError) as exc:
        check_password(password, email=EMAIL, name=NAME)
    message = str(exc.value)
    assert message.startswith("This password is too easy to guess.") and len(message) > len(
        "This password is too easy to guess.")


@pytest.mark.parametrize("password,reason", [
    ("anna.peeters-rocks", "email address"), ("xx-anna.peeters@example.test", "email address"),
    ("peeters on a blue bike", "name"), ("ANNA runs the harbour", "name")])
def test_passwords_with_the_email_or_the_name_are_refused(app, password, reason):
    with app.test_request_context(), pytest.raises(PasswordError, match=reason):
        check_password(password, email=EMAIL, name=NAME)


def test_short_passwords_are_refused(app):
    with app.test_request_context(), pytest.raises(PasswordError, match="at least 10"):
        check_password("k7#Qz!p2", email=EMAIL, name=NAME)


@pytest.mark.parametrize("password", ["correct horse battery", "quiet violet harbour", "Tr0ub4dor&3x-lamp"])
def test_uncommon_passphrases_are_accepted(app, password):
    with app.test_request_context():
        check_password(password, email=EMAIL, name=NAME)


def test_every_place_a_password_is_set_uses_the_policy(app, db, make):
    with app.test_request_context():
        with pytest.raises(accounts.AccountError, match="too easy") as exc:
            accounts.create_user(email="new@example.test", password="password12")
        assert exc.value.field == "password"
        user = make.user(email=EMAIL, name=NAME)
        with pytest.raises(accounts.AccountError, match="name"):
            accounts.change_password(user, "peeters on a blue bike")
        with pytest.raises(accounts.AccountError, match="too easy"):
            accounts.change_own_password(user, current_password="correct horse battery", new_password="password12")
    assert user.check_password("correct horse battery")


def test_sign_up_checks_the_password_once_for_a_new_address_as_for_a_known_one(app, db, make, monkeypatch):
    """The policy (zxcvbn) is slow: run twice for new addresses only, it would cost work and tell them apart."""
    from ambassador.services.org import password_policy, signup

    make.user(email="known@example.test")
    calls: list[str] = []
    real = password_policy.check_password
    monkeypatch.setattr(password_policy, "check_password", lambda password, **kw: (calls.append(kw["email"]),
                                                                                    real(password, **kw))[1])
    with app.test_request_context():
        for email in ("known@example.test", "new@example.test"):
            signup.sign_up(email=email, password="cobalt-harbour-lantern-97", name="Nora", org_name="Org",
                           locale="en")
    assert calls == ["known@example.test", "new@example.test"]
