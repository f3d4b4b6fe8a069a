"""The Facebook Pages adapter against the contract fake: login, one account per Page, posting, Graph error codes."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ambassador.models import utcnow
from ambassador.providers import registry
from ambassador.providers.base import AccountContext, ErrorKind, ProviderError, PublishRequest, TokenSet
from ambassador.providers.facebook import SCOPES, FacebookProvider

from .fakes.facebook import APP_ID, APP_SECRET, FakeFacebook

CALLBACK = "http://localhost/me/accounts/facebook/callback"
LINK = "https://amb.example/s/fb1"


@pytest.fixture
def fake():
    with FakeFacebook().running() as fake:
        yield fake


def adapter(app, fake, **extra):
    return FacebookProvider({**app.config, "FACEBOOK_APP_ID": APP_ID, "FACEBOOK_APP_SECRET": APP_SECRET,
                             "FACEBOOK_AUTH_URL": fake.base_url, "FACEBOOK_GRAPH_URL": fake.base_url,
                             "FACEBOOK_GRAPH_VERSION": "v23.0", **extra})


@pytest.fixture
def facebook(app, fake):
    return adapter(app, fake)


def page(fake, page_id="101"):
    return AccountContext(external_id=page_id, access_token=fake.page_token(page_id))


def share(text=f"Nouveau : notre pain au levain {LINK}", key="k1"):
    return PublishRequest(text=text, link_url=LINK, idempotency_key=key)


def test_configuration(app):
    assert not FacebookProvider.is_configured({"FACEBOOK_APP_ID": "1", "FACEBOOK_APP_SECRET": ""})
    assert FacebookProvider.is_configured({"FACEBOOK_APP_ID": "1", "FACEBOOK_APP_SECRET": "s"})
    enabled = registry.enabled({**app.config, "FACEBOOK_APP_ID": "1", "FACEBOOK_APP_SECRET": "s"})
    assert isinstance(enabled["facebook"], FacebookProvider) and not enabled["facebook"].can_refresh
    assert "facebook" not in registry.enabled({**app.config, "FACEBOOK_APP_ID": "", "FACEBOOK_APP_SECRET": ""})


def test_login_round_trip_gives_one_profile_per_page_with_its_own_token(facebook, fake):
    url = facebook.authorize_url(redirect_uri=CALLBACK, state="st-1", code_challenge="ignored")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{fake.base_url}/v23.0/dialog/oauth?")
    assert query["scope"] == [SCOPES] and query["state"] == ["st-1"] and "code_challenge" not in query
    answer = requests.get(url, allow_redirects=False, timeout=5)
    back = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert back["state"] == ["st-1"]

    tokens = facebook.exchange(code=back["code"][0], redirect_uri=CALLBACK, code_verifier="unused")
    assert fake.user_tokens[tokens.access_token]["long_lived"]  # exchanged for the long-lived token
    assert tokens.expires_at > utcnow() + timedelta(days=59)
    assert fake.last("access_token")["args"]["grant_type"] == "fb_exchange_token"

    profiles = facebook.profiles(tokens=tokens)
    assert [p.external_id for p in profiles] == ["101", "102"]  # not the Page without CREATE_CONTENT
    first = profiles[0]
    assert first.display_name == "Boulangerie Dupont" and first.profile_url == "https://www.facebook.com/dupont"
    assert profiles[1].profile_url == "https://www.facebook.com/102"
    assert fake.page_tokens[first.tokens.access_token] == "101" and first.tokens.expires_at is None
    assert first.tokens.refresh_token is None


def test_pages_are_read_across_result_pages(app, fake):
    fake.pages += [{"id": str(200 + n), "name": f"Page {n}", "tasks": ["CREATE_CONTENT"]} for n in range(150)]
    tokens = TokenSet(access_token="EAAL-user")
    fake.user_tokens["EAAL-user"] = {"long_lived": True}
    profiles = adapter(app, fake).profiles(tokens=tokens)
    assert len(profiles) == 152 and fake.count("accounts") == 2


def test_a_used_code_is_refused(facebook, fake):
    with pytest.raises(ProviderError) as caught:
        facebook.exchange(code="never-issued", redirect_uri=CALLBACK, code_verifier="")
    assert caught.value.kind is ErrorKind.REJECTED and "authorization code" in caught.value.message


def test_publish_posts_message_and_link_with_the_page_token_and_proof(facebook, fake):
    account = page(fake)
    result = facebook.publish(account=account, request=share())
    sent = fake.last("feed")
    assert sent["path"] == "/v23.0/101/feed"
    assert sent["form"]["message"] == share().text and sent["form"]["link"] == LINK
    assert sent["form"]["access_token"] == account.access_token and sent["form"]["appsecret_proof"]
    assert result.external_id == fake.posts[0]["id"] and result.external_id.startswith("101_")
    assert result.url == f"https://www.facebook.com/{result.external_id}"


def test_a_link_only_share_sends_no_message(facebook, fake):
    facebook.publish(account=page(fake), request=share(text=LINK))
    assert "message" not in fake.last("feed")["form"]


def test_a_wrong_app_secret_proof_is_refused(app, fake):
    facebook = adapter(app, fake, FACEBOOK_APP_SECRET="other-secret")
    with pytest.raises(ProviderError) as caught:
        facebook.publish(account=page(fake), request=share())
    assert "appsecret_proof" in caught.value.message and not fake.posts


def test_an_invalidated_page_token_means_reconnect(facebook, fake):
    with pytest.raises(ProviderError) as caught:
        facebook.publish(account=AccountContext(external_id="101", access_token="EAAP-revoked"), request=share())
    assert caught.value.kind is ErrorKind.REAUTH and "invalidated" in caught.value.message


def test_a_missing_permission_means_reconnect(facebook, fake):
    other_pages_token = AccountContext(external_id="101", access_token=fake.page_token("102"))
    with pytest.raises(ProviderError) as caught:
        facebook.publish(account=other_pages_token, request=share())
    assert caught.value.kind is ErrorKind.REAUTH and "(#200)" in caught.value.message and not fake.posts


def test_a_duplicate_is_rejected(facebook, fake):
    account = page(fake)
    facebook.publish(account=account, request=share())
    with pytest.raises(ProviderError) as caught:
        facebook.publish(account=account, request=share())
    assert caught.value.kind is ErrorKind.REJECTED and "Duplicate" in caught.value.message
    assert len(fake.posts) == 1


def test_page_rate_limit_waits_as_long_as_facebook_says():
    with FakeFacebook(rate_limit=1).running() as fake:
        facebook = FacebookProvider({"FACEBOOK_APP_ID": APP_ID, "FACEBOOK_APP_SECRET": APP_SECRET,
                                     "FACEBOOK_GRAPH_URL": fake.base_url, "FACEBOOK_GRAPH_VERSION": "v23.0"})
        account = page(fake)
        facebook.publish(account=account, request=share(text=f"un {LINK}"))
        with pytest.raises(ProviderError) as caught:
            facebook.publish(account=account, request=share(text=f"deux {LINK}"))
    error = caught.value
    assert error.kind is ErrorKind.RATE_LIMITED and not error.app_wide
    assert utcnow() + timedelta(minutes=6) < error.retry_at < utcnow() + timedelta(minutes=8)


@pytest.mark.parametrize("code, kind, app_wide", [
    (4, ErrorKind.RATE_LIMITED, True), (17, ErrorKind.RATE_LIMITED, False), (613, ErrorKind.RATE_LIMITED, False),
    (368, ErrorKind.REJECTED, False), (190, ErrorKind.REAUTH, False), (10, ErrorKind.REAUTH, False),
])
def test_graph_error_codes(facebook, fake, code, kind, app_wide):
    fake.fail("feed", status=400, body={"error": f"(#{code}) injected", "code": code})
    with pytest.raises(ProviderError) as caught:
        facebook.publish(account=page(fake), request=share())
    assert caught.value.kind is kind and caught.value.app_wide is app_wide
    assert f"(#{code})" in caught.value.message
    if kind is ErrorKind.RATE_LIMITED:
        assert caught.value.retry_at > utcnow() + timedelta(minutes=14)


def test_a_lost_answer_is_an_unknown_outcome_not_a_retry(facebook, fake):
    fake.fail("feed", after=True, delay=1.5)
    facebook.config["PROVIDER_READ_TIMEOUT"] = 0.5
    with pytest.raises(ProviderError) as caught:
        facebook.publish(account=page(fake), request=share())
    assert caught.value.kind is ErrorKind.UNKNOWN_OUTCOME and len(fake.posts) == 1


@pytest.mark.parametrize("status, kind", [(500, ErrorKind.UNKNOWN_OUTCOME), (503, ErrorKind.RETRY)])
def test_server_errors(facebook, fake, status, kind):
    fake.fail("feed", status=status, body={"error": "An unexpected error has occurred.", "code": 2})
    with pytest.raises(ProviderError) as caught:
        facebook.publish(account=page(fake), request=share())
    assert caught.value.kind is kind


def test_refresh_is_not_possible(facebook):
    with pytest.raises(ProviderError) as caught:
        facebook.refresh(refresh_token="x")
    assert caught.value.kind is ErrorKind.REAUTH


@pytest.mark.parametrize("relative", ["/s/fb1", "amb.example/s/fb1", "https:///s/fb1"])
def test_facebook_refuses_a_link_that_is_not_absolute(facebook, fake, relative):
    with pytest.raises(ProviderError) as caught:
        facebook.publish(account=page(fake), request=PublishRequest(text="Nouveau !", link_url=relative))
    assert caught.value.kind is ErrorKind.REJECTED and "'link' is invalid" in caught.value.message
    assert fake.posts == []
