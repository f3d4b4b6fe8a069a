"""The Mastodon adapter against the contract fake: OAuth with PKCE, app reuse, publishing, every error kind."""
from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ambassador.models import OAuthClient, utcnow
from ambassador.providers import registry
from ambassador.providers.base import AccountContext, ErrorKind, ProviderError, PublishRequest, TokenSet
from ambassador.providers.instance_urls import normalize_service_url
from ambassador.providers.mastodon import SCOPES, MastodonProvider
from ambassador.services.publishing import mastodon_apps

from .fakes.mastodon import FakeMastodon, s256
from .test_http import refused_url

# The fakes are http:// servers on loopback: only PROVIDERS_ALLOW_HTTP admits them.
pytestmark = pytest.mark.usefixtures("allow_http_providers")

CALLBACK = "http://localhost/me/accounts/mastodon/callback"


@pytest.fixture
def fake():
    with FakeMastodon().running() as fake:
        yield fake


@pytest.fixture
def mastodon(app):
    return MastodonProvider({**app.config, "PROVIDER_READ_TIMEOUT": 0.5}, clients=mastodon_apps)


def connect(mastodon, fake, *, verifier=None, state="state-from-session"):
    verifier = verifier or secrets.token_urlsafe(48)
    url = mastodon.authorize_url(redirect_uri=CALLBACK, state=state, code_challenge=s256(verifier),
                                 service_url=fake.base_url)
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = parse_qs(urlsplit(answer.headers["Location"]).query)
    return back["code"][0], back["state"][0], verifier


def account(fake, token=None):
    return AccountContext(external_id="1", access_token=token or fake.add_token(), service_url=fake.base_url)


def share(text="Lisez ceci https://amb.example/s/abc", key="share-key-1"):
    return PublishRequest(text=text, link_url="https://amb.example/s/abc", idempotency_key=key)


# --- instance addresses -----------------------------------------------------------------------

@pytest.mark.parametrize("typed, expected", [
    ("mastodon.social", "https://mastodon.social"),
    (" HTTPS://Mastodon.Social/ ", "https://mastodon.social"),
    ("https://social.example:8443", "https://social.example:8443"),
    ("https://social.example:443", "https://social.example"),
    ("bücher.example", "https://xn--bcher-kva.example"),
])
def test_instance_addresses_are_normalised(typed, expected):
    assert normalize_service_url(typed, config={"PROVIDERS_ALLOW_HTTP": False}) == expected


@pytest.mark.parametrize("typed", [
    "", "http://mastodon.social", "ftp://mastodon.social", "https://user:pw@mastodon.social",
    "alice@mastodon.social", "https://mastodon.social/@alice", "https://mastodon.social/?x=1",
    "https://127.0.0.1", "https://10.0.0.7", "localhost", "https://[::1]", "intranet",
])
def test_unsafe_or_odd_instance_addresses_are_refused(typed):
    with pytest.raises(ProviderError) as caught:
        normalize_service_url(typed, config={"PROVIDERS_ALLOW_HTTP": False})
    assert caught.value.kind is ErrorKind.REJECTED and caught.value.message


def test_http_and_loopback_only_when_allowed():
    assert normalize_service_url("http://127.0.0.1:5000", config={"PROVIDERS_ALLOW_HTTP": True}) == \
        "http://127.0.0.1:5000"


# --- OAuth -------------------------------------------------------------------------------------

def test_configuration_and_registry(app):
    assert MastodonProvider.is_configured({"MASTODON_ENABLED": True})
    assert not MastodonProvider.is_configured({"MASTODON_ENABLED": False})
    adapter = registry.get("mastodon", {**app.config, "MASTODON_ENABLED": True})
    assert isinstance(adapter, MastodonProvider) and adapter.connect_style == "instance_oauth"
    assert adapter.can_refresh is False


def test_connecting_needs_the_app_store_passed_in(app, fake, db):
    """The adapter imports no service: without the store of app credentials it cannot connect."""
    bare = MastodonProvider({**app.config, "MASTODON_ENABLED": True})
    with pytest.raises(ProviderError) as caught:
        bare.authorize_url(redirect_uri=CALLBACK, state="s", code_challenge="c", service_url=fake.base_url)
    assert caught.value.kind is ErrorKind.CONFIG and fake.apps == {}
    given = registry.get("mastodon", {**app.config, "MASTODON_ENABLED": True}, clients=mastodon_apps)
    assert given.authorize_url(redirect_uri=CALLBACK, state="s", code_challenge="c", service_url=fake.base_url)
    assert len(fake.apps) == 1


def test_oauth_round_trip_with_pkce_and_the_callers_state(mastodon, fake, db):
    code, state, verifier = connect(mastodon, fake)
    assert state == "state-from-session"
    authorize = fake.last("authorize")["args"]
    assert authorize["code_challenge_method"] == "S256" and authorize["code_challenge"] == s256(verifier)
    assert authorize["redirect_uri"] == CALLBACK and authorize["scope"] == SCOPES

    tokens = mastodon.exchange(code=code, redirect_uri=CALLBACK, code_verifier=verifier, service_url=fake.base_url)
    assert tokens.access_token in fake.tokens and tokens.refresh_token is None and tokens.expires_at is None
    assert set(tokens.scopes) == set(SCOPES.split())
    sent = fake.last("token")["form"]
    assert sent["grant_type"] == "authorization_code" and sent["code_verifier"] == verifier
    assert sent["redirect_uri"] == CALLBACK

    [profile] = mastodon.profiles(tokens=tokens, service_url=fake.base_url)
    host = urlsplit(fake.base_url).netloc
    assert profile.external_id == "1" and profile.handle == f"@alice@{host}"
    assert profile.display_name == "Alice Example" and profile.profile_url.endswith("/@alice")


def test_a_wrong_pkce_verifier_is_refused(mastodon, fake, db):
    code, _state, _verifier = connect(mastodon, fake)
    with pytest.raises(ProviderError) as caught:
        mastodon.exchange(code=code, redirect_uri=CALLBACK, code_verifier="not-the-verifier",
                          service_url=fake.base_url)
    assert caught.value.kind is ErrorKind.REAUTH and "PKCE" in caught.value.message


def test_the_app_is_registered_once_per_instance_and_redirect(mastodon, fake, db):
    connect(mastodon, fake)
    connect(mastodon, fake)
    assert fake.count("apps") == 1
    registration = fake.last("apps")["form"]
    assert registration["client_name"] == "Ambassador" and registration["redirect_uris"] == CALLBACK
    assert registration["scopes"] == SCOPES and registration["website"] == "http://localhost"
    stored = db.session.query(OAuthClient).filter_by(provider="mastodon", service_url=fake.base_url).one()
    assert stored.client_id in fake.apps
    assert fake.apps[stored.client_id]["secret"] not in stored.client_secret_enc  # encrypted at rest


def test_an_instance_that_forgot_our_app_gets_a_new_registration(mastodon, fake, db):
    code, _state, verifier = connect(mastodon, fake)
    fake.apps.clear()  # an admin removed the app
    with pytest.raises(ProviderError) as caught:
        mastodon.exchange(code=code, redirect_uri=CALLBACK, code_verifier=verifier, service_url=fake.base_url)
    assert caught.value.kind is ErrorKind.CONFIG
    assert db.session.query(OAuthClient).filter_by(service_url=fake.base_url).count() == 0
    code, _state, verifier = connect(mastodon, fake)
    assert fake.count("apps") == 2
    assert mastodon.exchange(code=code, redirect_uri=CALLBACK, code_verifier=verifier,
                             service_url=fake.base_url).access_token


def test_tokens_cannot_be_refreshed(mastodon):
    with pytest.raises(ProviderError) as caught:
        mastodon.refresh(refresh_token="x", service_url="https://mastodon.social")
    assert caught.value.kind is ErrorKind.REAUTH


# --- publishing --------------------------------------------------------------------------------

def test_publish_sends_the_status_with_bearer_and_idempotency_key(mastodon, fake):
    result = mastodon.publish(account=account(fake, token := fake.add_token()), request=share())
    sent = fake.last("statuses")
    assert sent["headers"]["Authorization"] == f"Bearer {token}"
    assert sent["headers"]["Idempotency-Key"] == "share-key-1"
    assert sent["form"] == {"status": "Lisez ceci https://amb.example/s/abc", "visibility": "public"}
    assert result.external_id == fake.statuses[0]["id"] and result.url.endswith(f"/@alice/{result.external_id}")


def test_the_same_share_twice_is_one_status(mastodon, fake):
    ctx = account(fake)
    first = mastodon.publish(account=ctx, request=share())
    again = mastodon.publish(account=ctx, request=share())
    assert first == again and len(fake.statuses) == 1


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 503}, {"delay": 1.5}],
                         ids=["500-after-posting", "503-after-posting", "answer-too-late"])
def test_a_lost_answer_is_an_unknown_outcome_even_with_a_key(mastodon, fake, fault):
    fake.fail("statuses", after=True, **fault)
    with pytest.raises(ProviderError) as caught:
        mastodon.publish(account=account(fake), request=share())
    assert caught.value.kind is ErrorKind.UNKNOWN_OUTCOME  # "unconfirmed": never retried by itself
    assert len(fake.statuses) == 1  # the instance did post it


def test_the_fake_stores_the_key_only_once_the_request_succeeded(mastodon, fake):
    """Why a lost answer is not retried: a repeat with the same key then posts a second time."""
    ctx = account(fake)
    fake.fail("statuses", after=True, status=500)
    with pytest.raises(ProviderError):
        mastodon.publish(account=ctx, request=share())
    again = mastodon.publish(account=ctx, request=share())
    assert len(fake.statuses) == 2 and again.external_id == fake.statuses[1]["id"]
    assert mastodon.publish(account=ctx, request=share()) == again  # now the key is stored


def test_a_repeat_while_the_first_request_still_runs_posts_twice(app, fake):
    ctx = account(fake)
    fake.fail("statuses", after=True, delay=1.5)
    slow = MastodonProvider({**app.config, "PROVIDER_READ_TIMEOUT": 0.25})
    with pytest.raises(ProviderError) as caught:
        slow.publish(account=ctx, request=share())
    assert caught.value.kind is ErrorKind.UNKNOWN_OUTCOME
    MastodonProvider(dict(app.config)).publish(account=ctx, request=share())  # the first has not stored its key
    assert len(fake.statuses) == 2


def test_a_refused_connection_is_retried(app):
    mastodon = MastodonProvider({**app.config, "PROVIDER_CONNECT_TIMEOUT": 1})
    with pytest.raises(ProviderError) as caught:
        mastodon.publish(account=AccountContext(external_id="1", access_token="t", service_url=refused_url()),
                         request=share())
    assert caught.value.kind is ErrorKind.RETRY  # nothing reached an instance


def test_without_a_key_a_lost_answer_is_an_unknown_outcome(mastodon, fake):
    fake.fail("statuses", after=True, status=500)
    with pytest.raises(ProviderError) as caught:
        mastodon.publish(account=account(fake), request=share(key=""))
    assert caught.value.kind is ErrorKind.UNKNOWN_OUTCOME
    assert "Idempotency-Key" not in fake.last("statuses")["headers"]


def test_too_long_is_rejected_with_the_instances_words(mastodon, fake):
    with pytest.raises(ProviderError) as caught:
        mastodon.publish(account=account(fake), request=share(text="é" * 501))
    assert caught.value.kind is ErrorKind.REJECTED and "character limit of 500" in caught.value.message


def test_a_revoked_token_means_reconnect(mastodon, fake):
    with pytest.raises(ProviderError) as caught:
        mastodon.publish(account=account(fake, token="revoked"), request=share())
    assert caught.value.kind is ErrorKind.REAUTH and not fake.statuses


def test_rate_limit_headers_give_the_retry_time():
    with FakeMastodon(rate_limit=1, rate_window=120).running() as fake:
        mastodon = MastodonProvider({"MASTODON_ENABLED": True, "PROVIDERS_ALLOW_HTTP": True})
        ctx = account(fake)
        first = mastodon.publish(account=ctx, request=share(key="a"))
        with pytest.raises(ProviderError) as caught:
            mastodon.publish(account=ctx, request=share(key="b"))
    error = caught.value
    assert error.kind is ErrorKind.RATE_LIMITED and not error.app_wide
    assert utcnow() + timedelta(seconds=100) < error.retry_at < utcnow() + timedelta(seconds=125)
    assert len(fake.statuses) == 1
    assert first.wait_until == error.retry_at  # X-RateLimit-Remaining: 0 on the status that went out


def test_profiles_with_a_bad_token_mean_reconnect(mastodon, fake):
    with pytest.raises(ProviderError) as caught:
        mastodon.profiles(tokens=TokenSet(access_token="nope"), service_url=fake.base_url)
    assert caught.value.kind is ErrorKind.REAUTH
