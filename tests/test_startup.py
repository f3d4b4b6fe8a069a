"""What production refuses to start without (ambassador/startup.py), checked in-process; the entry
points themselves (flask, gunicorn) are run as subprocesses in tests/web/test_cli.py."""
from __future__ import annotations

import os

import pytest
from cryptography.fernet import Fernet

from ambassador import create_app
from ambassador.infra import crypto
from ambassador.startup import ConfigurationError

KEY = Fernet.generate_key().decode()
OPERATOR = {"SECRET_KEY": "operator-secret", "PUBLIC_BASE_URL": "https://amb.example.org", "TOKEN_KEYS": KEY}


def production(**settings):
    return create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://", **{**OPERATOR, **settings})


def test_production_starts_with_what_an_operator_sets():
    app = production()
    assert app.config["ENV_NAME"] == "production" and app.config["PUBLIC_BASE_URL"] == "https://amb.example.org"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "PUBLIC_BASE_URL", "TOKEN_KEYS"])
def test_production_refuses_to_build_without_each_required_setting(missing):
    with pytest.raises(ConfigurationError) as refused:
        production(**{missing: ""})
    text = str(refused.value)
    assert f"{missing} is not set" in text and "AMBASSADOR_ENV=development" in text and "\n" not in text


def test_every_missing_setting_is_named_in_one_line():
    with pytest.raises(ConfigurationError) as refused:
        production(SECRET_KEY=None, PUBLIC_BASE_URL="", TOKEN_KEYS="")
    assert "SECRET_KEY, PUBLIC_BASE_URL, TOKEN_KEYS are not set" in str(refused.value)
    assert "Fernet.generate_key()" in str(refused.value)  # how to make a TOKEN_KEYS value


@pytest.mark.parametrize("setting, value, said", [
    ("PUBLIC_BASE_URL", "/", "must be an absolute http(s) URL"),
    ("PUBLIC_BASE_URL", "amb.example.org", "must be an absolute http(s) URL"),
    ("PUBLIC_BASE_URL", "https://amb.example.org/?x=1", "must not carry a query"),
    ("TOKEN_KEYS", "not-a-key", "key 1 is not a Fernet key"),
    ("TOKEN_KEYS", f"{KEY},short", "key 2 is not a Fernet key"),
])
def test_production_refuses_invalid_values(setting, value, said):
    with pytest.raises(ConfigurationError, match=setting) as refused:
        production(**{setting: value})
    assert said in str(refused.value)


def test_development_needs_nothing_and_links_to_the_dev_server():
    app = create_app("development", SQLALCHEMY_DATABASE_URI="sqlite://", TOKEN_KEYS="")
    assert app.config["PUBLIC_BASE_URL"] == os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    with app.app_context():  # development derives the token key from SECRET_KEY
        assert crypto.decrypt(crypto.encrypt("token")) == "token"


def test_tokens_are_never_encrypted_with_a_key_derived_from_secret_key_in_production():
    app = production()
    app.config["TOKEN_KEYS"] = ""  # as if it were emptied after start: no fallback to SECRET_KEY
    with app.app_context(), pytest.raises(crypto.SecretError, match="TOKEN_KEYS"):
        crypto.encrypt("token")
    app.config["TOKEN_KEYS"] = KEY
    with app.app_context():
        assert Fernet(KEY).decrypt(crypto.encrypt("token").encode()) == b"token"
