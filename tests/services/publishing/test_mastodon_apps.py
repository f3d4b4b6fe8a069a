"""One registered app per Mastodon instance: created on first use, reused, replaced when the redirect changes."""
from __future__ import annotations

import pytest

from ambassador.infra import crypto
from ambassador.models import OAuthClient
from ambassador.services.publishing import mastodon_apps

from ...providers.fakes.mastodon import FakeMastodon

# The fakes are http:// servers on loopback: only PROVIDERS_ALLOW_HTTP admits them.
pytestmark = pytest.mark.usefixtures("allow_http_providers")

CALLBACK = "https://amb.example/me/accounts/mastodon/callback"


@pytest.fixture
def fake():
    with FakeMastodon().running() as fake:
        yield fake


def stored(db, url):
    return db.session.query(OAuthClient).filter_by(provider="mastodon", service_url=url).all()


def test_first_use_registers_and_stores_the_secret_encrypted(fake, db):
    client_id, secret = mastodon_apps.client_for(service_url=fake.base_url, redirect_uri=CALLBACK)
    assert fake.apps[client_id]["secret"] == secret
    assert fake.apps[client_id]["redirect_uris"] == [CALLBACK]
    [row] = stored(db, fake.base_url)
    assert row.client_id == client_id and row.redirect_uri == CALLBACK
    assert secret not in row.client_secret_enc and crypto.decrypt(row.client_secret_enc) == secret


def test_later_uses_reuse_the_stored_app(fake, db):
    first = mastodon_apps.client_for(service_url=fake.base_url, redirect_uri=CALLBACK)
    second = mastodon_apps.client_for(service_url=fake.base_url, redirect_uri=CALLBACK)
    assert first == second and fake.count("apps") == 1 and len(stored(db, fake.base_url)) == 1


def test_a_new_redirect_uri_registers_again_and_replaces_the_row(fake, db):
    old_id, _ = mastodon_apps.client_for(service_url=fake.base_url, redirect_uri=CALLBACK)
    new_id, _ = mastodon_apps.client_for(service_url=fake.base_url, redirect_uri="https://new.example/cb")
    assert new_id != old_id and fake.count("apps") == 2
    [row] = stored(db, fake.base_url)
    assert row.client_id == new_id and row.redirect_uri == "https://new.example/cb"


def test_each_instance_has_its_own_app(fake, db):
    with FakeMastodon().running() as other:
        other_url = other.base_url
        mastodon_apps.client_for(service_url=fake.base_url, redirect_uri=CALLBACK)
        mastodon_apps.client_for(service_url=other_url, redirect_uri=CALLBACK)
    assert fake.count("apps") == 1 and other.count("apps") == 1
    assert len(stored(db, fake.base_url)) == 1 and len(stored(db, other_url)) == 1


def test_a_registration_stored_meanwhile_by_another_request_wins(fake, db, monkeypatch):
    """Two first connects at once: the second insert hits the unique key and uses the first row."""
    from ambassador.providers import mastodon

    real_register = mastodon.register_app

    def register_while_someone_else_does(**kwargs):
        result = real_register(**kwargs)
        db.session.add(OAuthClient(provider="mastodon", service_url=kwargs["service_url"], client_id="theirs",
                                   client_secret_enc=crypto.encrypt("their-secret"), redirect_uri=CALLBACK))
        db.session.flush()
        return result

    monkeypatch.setattr(mastodon, "register_app", register_while_someone_else_does)
    assert mastodon_apps.client_for(service_url=fake.base_url, redirect_uri=CALLBACK) == ("theirs", "their-secret")
    assert [row.client_id for row in stored(db, fake.base_url)] == ["theirs"]


def test_forget_drops_the_registration(fake, db):
    mastodon_apps.client_for(service_url=fake.base_url, redirect_uri=CALLBACK)
    mastodon_apps.forget(service_url=fake.base_url)
    assert stored(db, fake.base_url) == []
    mastodon_apps.client_for(service_url=fake.base_url, redirect_uri=CALLBACK)
    assert fake.count("apps") == 2
