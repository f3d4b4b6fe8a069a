"""The X adapter against a contract fake of X's OAuth 2.0 + PKCE and API v2."""
from __future__ import annotations

import base64
import hashlib
import secrets
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ambassador.providers import registry
from ambassador.providers.base import AccountContext, ErrorKind, ProviderError, PublishRequest, TokenSet
from ambassador.providers.x import XProvider

from .fakes.x import DUPLICATE, FakeX
from .test_http import refused_url

REDIRECT = "http://localhost/me/accounts/x/callback"


def challenge_for(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def provider(app, base_url: str, **overrides) -> XProvider:
    config = dict(app.config)
    config.update(X_CLIENT_ID="x-client", X_CLIENT_SECRET="", X_AUTH_URL=f"{base_url}/i/oauth2/authorize",
                  X_TOKEN_URL=f"{base_url}/2/oauth2/token", X_API_URL=base_url)
    config.update(overrides)
    return XProvider(config)


@pytest.fixture
def fake():
    return FakeX()


@pytest.fixture
def x(app, fake):
    with fake.running():
        yield provider(app, fake.base_url)


def authorize(x: XProvider, verifier: str, redirect_uri: str = REDIRECT) -> dict[str, list[str]]:
    """The member clicks "Authorize app": the fake redirects back with code and state."""
    answer = requests.get(x.authorize_url(redirect_uri=redirect_uri, state="st4te-123",
                                          code_challenge=challenge_for(verifier)), allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect_uri
    return parse_qs(location.query)


def connected(fake: FakeX) -> AccountContext:
    tokens = fake.account()
    return AccountContext(external_id=fake.consenting_user, access_token=tokens["access_token"],
                          extra={"username": "ambassador_ann"})


def post(x: XProvider, account: AccountContext, text: str = "Our new plant opens today https://amb.test/s/Ab3"):
    return x.publish(account=account, request=PublishRequest(text=text, link_url="https://amb.test/s/Ab3",
                                                             idempotency_key="share-1"))


# --- configuration -------------------------------------------------------------------------

def test_configured_with_a_client_id_only(app):
    assert XProvider.is_configured({"X_CLIENT_ID": "abc"})
    assert not XProvider.is_configured({"X_CLIENT_ID": "", "X_CLIENT_SECRET": "s"})
    config = dict(app.config, X_CLIENT_ID="abc")
    assert isinstance(registry.enabled(config)["x"], XProvider)


# --- OAuth 2.0 with PKCE ---------------------------------------------------------------------

def test_authorize_url_carries_state_scopes_and_an_s256_challenge(x):
    url = x.authorize_url(redirect_uri=REDIRECT, state="st4te", code_challenge="chal-lenge")
    query = parse_qs(urlsplit(url).query)
    assert query["response_type"] == ["code"] and query["client_id"] == ["x-client"]
    assert query["redirect_uri"] == [REDIRECT] and query["state"] == ["st4te"]
    assert query["code_challenge"] == ["chal-lenge"] and query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["tweet.read tweet.write users.read offline.access"]
    assert "+" not in urlsplit(url).query  # spaces as %20, as X documents


def test_round_trip_gives_two_hour_tokens_and_a_refresh_token(x, fake):
    verifier = secrets.token_urlsafe(48)
    back = authorize(x, verifier)
    assert back["state"] == ["st4te-123"]
    tokens = x.exchange(code=back["code"][0], redirect_uri=REDIRECT, code_verifier=verifier)
    assert tokens.access_token in fake.grants.access and tokens.refresh_token
    expected = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=2)
    assert abs(tokens.expires_at - expected) < timedelta(seconds=30)
    assert "tweet.write" in tokens.scopes and "offline.access" in tokens.scopes
    # A public client names itself in the form and sends no Basic header.
    assert fake.last("token")["form"]["client_id"] == "x-client"
    assert "Authorization" not in fake.last("token")["headers"]


def test_exchange_fails_with_the_wrong_verifier(x):
    back = authorize(x, secrets.token_urlsafe(48))
    with pytest.raises(ProviderError) as caught:
        x.exchange(code=back["code"][0], redirect_uri=REDIRECT, code_verifier=secrets.token_urlsafe(48))
    assert caught.value.kind is ErrorKind.REAUTH and caught.value.status == 400


def test_exchange_fails_with_another_redirect_uri_or_a_used_code(x):
    verifier = secrets.token_urlsafe(48)
    code = authorize(x, verifier)["code"][0]
    with pytest.raises(ProviderError):
        x.exchange(code=code, redirect_uri="http://localhost/elsewhere", code_verifier=verifier)
    code = authorize(x, verifier)["code"][0]
    x.exchange(code=code, redirect_uri=REDIRECT, code_verifier=verifier)
    with pytest.raises(ProviderError):  # codes are single-use
        x.exchange(code=code, redirect_uri=REDIRECT, code_verifier=verifier)


def test_confidential_client_authenticates_with_basic(app):
    fake = FakeX(client_secret="s3cret")
    with fake.running():
        x = provider(app, fake.base_url, X_CLIENT_SECRET="s3cret")
        verifier = secrets.token_urlsafe(48)
        tokens = x.exchange(code=authorize(x, verifier)["code"][0], redirect_uri=REDIRECT, code_verifier=verifier)
        assert tokens.access_token
        expected = "Basic " + base64.b64encode(b"x-client:s3cret").decode()
        assert fake.last("token")["headers"]["Authorization"] == expected
        assert "client_secret" not in fake.last("token")["form"]

        wrong = provider(app, fake.base_url, X_CLIENT_SECRET="not-it")
        with pytest.raises(ProviderError) as caught:
            wrong.refresh(refresh_token=tokens.refresh_token)
        assert caught.value.kind is ErrorKind.CONFIG  # our app's credentials, not the member's grant


def test_refresh_returns_the_rotated_refresh_token_and_the_old_one_dies(x, fake):
    verifier = secrets.token_urlsafe(48)
    first = x.exchange(code=authorize(x, verifier)["code"][0], redirect_uri=REDIRECT, code_verifier=verifier)
    second = x.refresh(refresh_token=first.refresh_token)
    assert second.refresh_token and second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token and second.access_token in fake.grants.access
    with pytest.raises(ProviderError) as caught:
        x.refresh(refresh_token=first.refresh_token)
    assert caught.value.kind is ErrorKind.REAUTH
    assert x.refresh(refresh_token=second.refresh_token).refresh_token  # the rotated one works


def test_refresh_invalid_grant_means_reconnect(x, fake):
    fake.fail("token", status=400, body={"error": "invalid_grant", "error_description": "Token was revoked"})
    with pytest.raises(ProviderError) as caught:
        x.refresh(refresh_token="anything")
    assert caught.value.kind is ErrorKind.REAUTH and "revoked" in caught.value.message


def test_refresh_during_an_outage_is_retried_not_a_reconnect(x, fake):
    fake.fail("token", status=500)
    with pytest.raises(ProviderError) as caught:
        x.refresh(refresh_token=fake.account()["refresh_token"])
    assert caught.value.kind is ErrorKind.RETRY


# --- profile ---------------------------------------------------------------------------------

def test_profile_from_users_me(x, fake):
    (profile,) = x.profiles(tokens=TokenSet(access_token=fake.account()["access_token"]))
    assert profile.external_id == "2244994945"
    assert profile.handle == "@ambassador_ann" and profile.display_name == "Ann Ambassador"
    assert profile.profile_url == "https://x.com/ambassador_ann"
    assert profile.extra == {"username": "ambassador_ann"}


def test_profile_with_a_dead_token_means_reconnect(x):
    with pytest.raises(ProviderError) as caught:
        x.profiles(tokens=TokenSet(access_token="expired"))
    assert caught.value.kind is ErrorKind.REAUTH


# --- publishing ------------------------------------------------------------------------------

def test_publish_posts_the_text_and_links_to_the_post(x, fake):
    result = post(x, connected(fake))
    (tweet,) = fake.tweets
    assert {key: tweet[key] for key in ("id", "text", "author_id")} == {
        "id": result.external_id, "text": "Our new plant opens today https://amb.test/s/Ab3", "author_id": "2244994945"}
    assert result.url == f"https://x.com/ambassador_ann/status/{result.external_id}"


def test_publish_without_a_known_username_uses_the_generic_status_url(x, fake):
    account = connected(fake)
    account.extra = {}
    result = post(x, account)
    assert result.url == f"https://x.com/i/web/status/{result.external_id}"


def test_duplicate_content_is_rejected_with_x_reason(x, fake):
    account = connected(fake)
    post(x, account)
    with pytest.raises(ProviderError) as caught:
        post(x, account)
    assert caught.value.kind is ErrorKind.REJECTED and caught.value.message == DUPLICATE
    assert len(fake.tweets) == 1


def test_too_long_text_is_rejected_with_the_reason(x, fake):
    with pytest.raises(ProviderError) as caught:
        post(x, connected(fake), text="a" * 281)
    assert caught.value.kind is ErrorKind.REJECTED and "too long" in caught.value.message


def test_429_waits_until_x_rate_limit_reset(x, fake):
    reset = int(time.time()) + 600
    fake.fail("tweets", status=429, headers={"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0",
                                                   "x-rate-limit-reset": str(reset)})
    with pytest.raises(ProviderError) as caught:
        post(x, connected(fake))
    assert caught.value.kind is ErrorKind.RATE_LIMITED and not caught.value.app_wide
    assert caught.value.retry_at == datetime.fromtimestamp(reset, UTC).replace(tzinfo=None)
    assert fake.tweets == []


def test_per_account_rate_limit_answers_with_x_headers(app):
    fake = FakeX(rate_limit=1, rate_window=300)
    with fake.running():
        x = provider(app, fake.base_url)
        account = connected(fake)
        first = post(x, account, text="first")
        with pytest.raises(ProviderError) as caught:
            post(x, account, text="second")
    assert caught.value.kind is ErrorKind.RATE_LIMITED
    wait = caught.value.retry_at - datetime.now(UTC).replace(tzinfo=None)
    assert timedelta(seconds=290) < wait <= timedelta(seconds=301)
    # The first answer already said the window was spent (x-rate-limit-remaining: 0): the worker need not have
    # made the second call (a second more than the reset: it is cut to the second).
    assert first.wait_until == caught.value.retry_at + timedelta(seconds=1) and not first.wait_app_wide


def test_a_post_that_spends_the_apps_daily_cap_holds_everyone_until_its_reset(x, fake):
    day_reset = int(time.time()) + 20_000
    fake.fail("tweets", status=None, after=True, headers={
        "x-rate-limit-remaining": "40", "x-rate-limit-reset": str(int(time.time()) + 60),
        "x-app-limit-24hour-remaining": "0", "x-app-limit-24hour-reset": str(day_reset)})
    result = post(x, connected(fake))
    assert result.external_id and result.wait_app_wide
    assert result.wait_until == datetime.fromtimestamp(day_reset, UTC).replace(tzinfo=None)


def test_a_post_with_calls_left_needs_no_wait(x, fake):
    assert post(x, connected(fake)).wait_until is None


def test_app_wide_daily_cap_stops_everyone_until_its_reset(x, fake):
    window_reset, day_reset = int(time.time()) + 60, int(time.time()) + 20_000
    fake.fail("tweets", status=429, headers={
        "x-rate-limit-remaining": "40", "x-rate-limit-reset": str(window_reset),
        "x-app-limit-24hour-limit": "1667", "x-app-limit-24hour-remaining": "0",
        "x-app-limit-24hour-reset": str(day_reset)})
    with pytest.raises(ProviderError) as caught:
        post(x, connected(fake))
    assert caught.value.app_wide
    assert caught.value.retry_at == datetime.fromtimestamp(day_reset, UTC).replace(tzinfo=None)


def test_member_daily_cap_waits_for_the_member_only(x, fake):
    day_reset = int(time.time()) + 30_000
    fake.fail("tweets", status=429, headers={
        "x-user-limit-24hour-limit": "100", "x-user-limit-24hour-remaining": "0",
        "x-user-limit-24hour-reset": str(day_reset), "x-app-limit-24hour-remaining": "1200"})
    with pytest.raises(ProviderError) as caught:
        post(x, connected(fake))
    assert not caught.value.app_wide
    assert caught.value.retry_at == datetime.fromtimestamp(day_reset, UTC).replace(tzinfo=None)


def test_revoked_token_means_reconnect(x, fake):
    account = connected(fake)
    fake.grants.revoke(account.access_token)
    with pytest.raises(ProviderError) as caught:
        post(x, account)
    assert caught.value.kind is ErrorKind.REAUTH and caught.value.status == 401


def test_503_is_retried(x, fake):
    fake.fail("tweets", status=503, body={"title": "Service Unavailable", "detail": "Over capacity"})
    with pytest.raises(ProviderError) as caught:
        post(x, connected(fake))
    assert caught.value.kind is ErrorKind.RETRY and fake.tweets == []


def test_500_after_sending_is_an_unknown_outcome(x, fake):
    # X created the post, then failed to answer: posting again would make a duplicate.
    fake.fail("tweets", status=500, after=True)
    with pytest.raises(ProviderError) as caught:
        post(x, connected(fake))
    assert caught.value.kind is ErrorKind.UNKNOWN_OUTCOME
    assert len(fake.tweets) == 1


def test_read_timeout_after_sending_is_an_unknown_outcome(app, fake):
    fake.fail("tweets", delay=1.0, after=True)
    with fake.running():
        x = provider(app, fake.base_url, PROVIDER_READ_TIMEOUT=0.25)
        with pytest.raises(ProviderError) as caught:
            post(x, connected(fake))
        assert caught.value.kind is ErrorKind.UNKNOWN_OUTCOME
        assert len(fake.tweets) == 1  # it did happen


def test_connection_refused_is_retried(app, fake):
    x = provider(app, refused_url())
    with pytest.raises(ProviderError) as caught:
        post(x, connected(fake))
    assert caught.value.kind is ErrorKind.RETRY


def test_success_without_an_id_is_an_unknown_outcome(x, fake):
    fake.fail("tweets", status=200, body={"errors": [{"message": "something odd"}]})
    with pytest.raises(ProviderError) as caught:
        post(x, connected(fake))
    assert caught.value.kind is ErrorKind.UNKNOWN_OUTCOME


# --- the fake itself holds the line ----------------------------------------------------------

def test_fake_refuses_requests_x_would_refuse(fake):
    token = fake.account()["access_token"]
    with fake.running():
        base_url = fake.base_url
        no_json = requests.post(f"{base_url}/2/tweets", data="text=hi", timeout=5,
                                headers={"Authorization": f"Bearer {token}"})
        no_token = requests.post(f"{base_url}/2/tweets", json={"text": "hi"}, timeout=5)
        plain_challenge = requests.get(f"{base_url}/i/oauth2/authorize", allow_redirects=False, timeout=5, params={
            "response_type": "code", "client_id": "x-client", "redirect_uri": REDIRECT, "scope": "tweet.write",
            "state": "s", "code_challenge": "c", "code_challenge_method": "plain"})
        json_token = requests.post(f"{base_url}/2/oauth2/token", json={"grant_type": "refresh_token"}, timeout=5)
    assert (no_json.status_code, no_token.status_code, plain_challenge.status_code) == (400, 401, 400)
    assert json_token.status_code == 400
