"""The LinkedIn adapter against a contract fake of LinkedIn's OAuth, userinfo and Posts API."""
from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ambassador.providers import http, registry
from ambassador.providers.base import AccountContext, ErrorKind, ProviderError, PublishRequest, TokenSet
from ambassador.providers.linkedin import LinkedInProvider, little_text, next_utc_midnight

from .fakes.linkedin import DISTRIBUTION, FakeLinkedIn, render_little
from .test_http import refused_url

REDIRECT = "http://localhost/me/accounts/linkedin/callback"
LINK = "https://amb.test/s/Xy9"


def provider(app, base_url: str, **overrides) -> LinkedInProvider:
    config = dict(app.config)
    config.update(LINKEDIN_CLIENT_ID="li-client", LINKEDIN_CLIENT_SECRET="li-secret", LINKEDIN_API_VERSION="202510",
                  LINKEDIN_AUTH_URL=f"{base_url}/oauth/v2/authorization",
                  LINKEDIN_TOKEN_URL=f"{base_url}/oauth/v2/accessToken", LINKEDIN_API_URL=base_url)
    config.update(overrides)
    return LinkedInProvider(config)


@pytest.fixture
def fake():
    return FakeLinkedIn()


@pytest.fixture
def linkedin(app, fake):
    with fake.running():
        yield provider(app, fake.base_url)


def authorize(linkedin: LinkedInProvider, redirect_uri: str = REDIRECT) -> dict[str, list[str]]:
    url = linkedin.authorize_url(redirect_uri=redirect_uri, state="st4te-9", code_challenge="ignored-challenge")
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return parse_qs(urlsplit(answer.headers["Location"]).query)


def connected(fake: FakeLinkedIn) -> AccountContext:
    return AccountContext(external_id="urn:li:person:yfUG2QzCkZ", access_token=fake.account()["access_token"])


def share(linkedin: LinkedInProvider, account: AccountContext, text: str = f"A new plant in Ghent! {LINK}", **extra):
    request = PublishRequest(text=text, link_url=LINK, title="Our Ghent plant opens", description="Read more",
                             idempotency_key="share-7")
    for key, value in extra.items():
        setattr(request, key, value)
    return linkedin.publish(account=account, request=request)


def failure(linkedin, account) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        share(linkedin, account)
    return caught.value


# --- configuration -------------------------------------------------------------------------

def test_configured_with_client_id_and_secret(app):
    assert LinkedInProvider.is_configured({"LINKEDIN_CLIENT_ID": "a", "LINKEDIN_CLIENT_SECRET": "b"})
    assert not LinkedInProvider.is_configured({"LINKEDIN_CLIENT_ID": "a", "LINKEDIN_CLIENT_SECRET": ""})
    config = dict(app.config, LINKEDIN_CLIENT_ID="a", LINKEDIN_CLIENT_SECRET="b")
    assert isinstance(registry.enabled(config)["linkedin"], LinkedInProvider)


# --- OAuth -----------------------------------------------------------------------------------

def test_authorize_url_asks_for_posting_and_carries_state_but_no_pkce(linkedin):
    query = parse_qs(urlsplit(linkedin.authorize_url(redirect_uri=REDIRECT, state="st", code_challenge="c")).query)
    assert query == {"response_type": ["code"], "client_id": ["li-client"], "redirect_uri": [REDIRECT],
                     "state": ["st"], "scope": ["openid profile w_member_social"]}


def test_round_trip_gives_a_sixty_day_token_without_refresh(linkedin, fake):
    back = authorize(linkedin)
    assert back["state"] == ["st4te-9"]
    tokens = linkedin.exchange(code=back["code"][0], redirect_uri=REDIRECT, code_verifier="unused")
    assert tokens.access_token in fake.grants.access
    assert tokens.refresh_token is None
    expected = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=60)
    assert abs(tokens.expires_at - expected) < timedelta(seconds=30)
    assert set(tokens.scopes) == {"openid", "profile", "w_member_social"}
    form = fake.last("token")["form"]
    assert form["client_secret"] == "li-secret" and form["grant_type"] == "authorization_code"
    assert "code_verifier" not in form  # LinkedIn's standard flow has no PKCE


def test_exchange_fails_with_another_redirect_uri(linkedin):
    code = authorize(linkedin)["code"][0]
    with pytest.raises(ProviderError) as caught:
        linkedin.exchange(code=code, redirect_uri="http://localhost/elsewhere", code_verifier="")
    assert caught.value.kind is ErrorKind.REAUTH


def test_wrong_client_secret_is_our_configuration(app, fake):
    with fake.running():
        linkedin = provider(app, fake.base_url, LINKEDIN_CLIENT_SECRET="wrong")
        with pytest.raises(ProviderError) as caught:
            linkedin.exchange(code=authorize(linkedin)["code"][0], redirect_uri=REDIRECT, code_verifier="")
    assert caught.value.kind is ErrorKind.CONFIG


def test_without_a_refresh_token_refresh_means_reconnect(linkedin, fake):
    with pytest.raises(ProviderError) as caught:
        linkedin.refresh(refresh_token="")
    assert caught.value.kind is ErrorKind.REAUTH
    assert fake.count("token") == 0  # nothing to ask LinkedIn


def test_partner_apps_store_and_use_refresh_tokens(app):
    fake = FakeLinkedIn(refresh_tokens=True)
    with fake.running():
        linkedin = provider(app, fake.base_url)
        first = linkedin.exchange(code=authorize(linkedin)["code"][0], redirect_uri=REDIRECT, code_verifier="")
        assert first.refresh_token and first.extra["refresh_token_expires_in"] == 31_536_000
        second = linkedin.refresh(refresh_token=first.refresh_token)
        assert second.access_token != first.access_token and second.access_token in fake.grants.access
        with pytest.raises(ProviderError) as caught:
            linkedin.refresh(refresh_token="revoked-" + secrets.token_hex(4))
    assert caught.value.kind is ErrorKind.REAUTH


# --- profile -----------------------------------------------------------------------------------

def test_profile_from_userinfo(linkedin, fake):
    (profile,) = linkedin.profiles(tokens=TokenSet(access_token=fake.account()["access_token"]))
    assert profile.external_id == "urn:li:person:yfUG2QzCkZ"
    assert profile.display_name == "Lieve Peeters"
    assert profile.extra == {"picture": "https://media.licdn.com/p.jpg"}


def test_profile_with_a_revoked_token_means_reconnect(linkedin):
    with pytest.raises(ProviderError) as caught:
        linkedin.profiles(tokens=TokenSet(access_token="revoked"))
    assert caught.value.kind is ErrorKind.REAUTH


# --- publishing ------------------------------------------------------------------------------

def test_publish_sends_a_versioned_article_post(linkedin, fake):
    result = share(linkedin, connected(fake))
    (post,) = fake.posts
    assert result.external_id == post["urn"] and post["urn"].startswith("urn:li:share:")
    assert result.url == f"https://www.linkedin.com/feed/update/{post['urn']}/"
    assert post["author"] == "urn:li:person:yfUG2QzCkZ" and post["version"] == "202510"
    assert post["visibility"] == "PUBLIC" and post["distribution"] == DISTRIBUTION
    assert post["lifecycleState"] == "PUBLISHED" and post["isReshareDisabledByAuthor"] is False
    assert post["content"] == {"article": {"source": LINK, "title": "Our Ghent plant opens",
                                           "description": "Read more"}}
    headers = fake.last("posts")["headers"]
    assert headers["Linkedin-Version"] == "202510" and headers["X-Restli-Protocol-Version"] == "2.0.0"


def test_commentary_reaches_the_feed_exactly_as_written(linkedin, fake):
    text = r"Q&A (live) at 10:00 <Ghent> — *free* seats_left ~20 | {RSVP} [now] @home \o/ #Hiring #Gent2025 " + LINK
    share(linkedin, connected(fake), text=text)
    (post,) = fake.posts
    assert post["rendered"] == text  # nothing cut at a reserved character
    assert "{hashtag|\\#|Hiring}" in post["commentary"]  # hashtags stay clickable


def test_an_article_without_title_uses_the_link(linkedin, fake):
    share(linkedin, connected(fake), title="", description="")
    assert fake.posts[0]["content"] == {"article": {"source": LINK, "title": LINK}}


def test_duplicate_is_rejected_with_linkedins_reason(linkedin, fake):
    account = connected(fake)
    first = share(linkedin, account)
    error = failure(linkedin, account)
    assert error.kind is ErrorKind.REJECTED and error.message == f"Content is a duplicate of {first.external_id}"


def test_retired_api_version_is_a_configuration_error(app, fake):
    with fake.running():
        linkedin = provider(app, fake.base_url, LINKEDIN_API_VERSION="202301")
        error = failure(linkedin, connected(fake))
    assert error.kind is ErrorKind.CONFIG and error.status == 426
    assert error.message == "LinkedIn-Version 202301 is no longer supported; update LINKEDIN_API_VERSION"
    assert str(error) == error.message and fake.posts == []


def test_daily_member_throttle_waits_until_midnight_utc(app):
    fake = FakeLinkedIn(rate_limit=1)
    with fake.running():
        linkedin = provider(app, fake.base_url)
        account = connected(fake)
        share(linkedin, account)
        error = failure(linkedin, account)
    assert error.kind is ErrorKind.RATE_LIMITED and not error.app_wide
    assert error.retry_at == next_utc_midnight()


def test_daily_application_throttle_stops_every_account(linkedin, fake):
    fake.fail("posts", status=429, body={
        "status": 429,
        "message": "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."})
    error = failure(linkedin, connected(fake))
    assert error.app_wide and error.retry_at == next_utc_midnight()


def test_other_429_waits_the_default_time(linkedin, fake):
    fake.fail("posts", status=429, body={"status": 429, "message": "Too many requests"})
    before = datetime.now(UTC).replace(tzinfo=None)
    error = failure(linkedin, connected(fake))
    assert error.kind is ErrorKind.RATE_LIMITED and not error.app_wide
    assert timedelta(0) <= error.retry_at - (before + http.DEFAULT_RATE_LIMIT_WAIT) < timedelta(seconds=5)


def test_next_utc_midnight():
    assert next_utc_midnight(datetime(2025, 12, 31, 23, 59)) == datetime(2026, 1, 1)
    assert next_utc_midnight(datetime(2025, 6, 1, 0, 0)) == datetime(2025, 6, 2)


def test_revoked_token_means_reconnect(linkedin, fake):
    account = connected(fake)
    fake.grants.revoke(account.access_token)
    error = failure(linkedin, account)
    assert error.kind is ErrorKind.REAUTH and error.status == 401


def test_503_is_retried(linkedin, fake):
    fake.fail("posts", status=503)
    error = failure(linkedin, connected(fake))
    assert error.kind is ErrorKind.RETRY and fake.posts == []


def test_500_after_sending_is_an_unknown_outcome(linkedin, fake):
    fake.fail("posts", status=500, after=True)
    error = failure(linkedin, connected(fake))
    assert error.kind is ErrorKind.UNKNOWN_OUTCOME and len(fake.posts) == 1  # it was posted


def test_read_timeout_after_sending_is_an_unknown_outcome(app, fake):
    fake.fail("posts", delay=1.0, after=True)
    with fake.running():
        linkedin = provider(app, fake.base_url, PROVIDER_READ_TIMEOUT=0.25)
        error = failure(linkedin, connected(fake))
        assert error.kind is ErrorKind.UNKNOWN_OUTCOME and len(fake.posts) == 1


def test_connection_refused_is_retried(app, fake):
    error = failure(provider(app, refused_url()), connected(fake))
    assert error.kind is ErrorKind.RETRY


def test_created_without_an_id_is_an_unknown_outcome(linkedin, fake):
    fake.fail("posts", status=201, body={})
    error = failure(linkedin, connected(fake))
    assert error.kind is ErrorKind.UNKNOWN_OUTCOME


# --- little text ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "little"), [
    ("plain words, 100% fine!", "plain words, 100% fine!"),
    ("(a) [b] {c} <d>", r"\(a\) \[b\] \{c\} \<d\>"),
    (r"back\slash | pipe @at *star* _under_ ~tilde~", r"back\\slash \| pipe \@at \*star\* \_under\_ \~tilde\~"),
    ("#Launch day", "{hashtag|\\#|Launch} day"),
    ("we're #1 in #Gent2025!", "we're {hashtag|\\#|1} in {hashtag|\\#|Gent2025}!"),
    ("#Café", "{hashtag|\\#|Café}"),
    # Not hashtags: glued to a word, an underscore inside, a bare sign, a URL fragment.
    ("page#top #snake_case # alone https://a.test/x#frag",
     r"page\#top \#snake\_case \# alone https://a.test/x\#frag"),
    ("https://amb.test/s/a_b", r"https://amb.test/s/a\_b"),
])
def test_little_text(text, little):
    assert little_text(text) == little
    assert render_little(little) == text


def test_fake_refuses_what_linkedin_would_cut_or_refuse(fake):
    token = fake.account()["access_token"]
    body = {"author": "urn:li:person:yfUG2QzCkZ", "commentary": "cut (here", "visibility": "PUBLIC",
            "distribution": DISTRIBUTION, "lifecycleState": "PUBLISHED", "isReshareDisabledByAuthor": False}
    headers = {"Authorization": f"Bearer {token}", "LinkedIn-Version": "202510", "X-Restli-Protocol-Version": "2.0.0"}
    with fake.running():
        unescaped = requests.post(f"{fake.base_url}/rest/posts", json=body, headers=headers, timeout=5)
        no_version = requests.post(f"{fake.base_url}/rest/posts", json={**body, "commentary": "ok"}, timeout=5,
                                   headers={**headers, "LinkedIn-Version": ""})
        other_author = requests.post(f"{fake.base_url}/rest/posts", timeout=5, headers=headers,
                                     json={**body, "commentary": "ok", "author": "urn:li:person:someone"})
    assert (unescaped.status_code, no_version.status_code, other_author.status_code) == (422, 400, 403)
    assert fake.posts == []


@pytest.mark.parametrize("relative", ["/s/Xy9", "amb.test/s/Xy9", "https:///s/Xy9"])
def test_linkedin_refuses_an_article_source_that_is_not_absolute(linkedin, fake, relative):
    with pytest.raises(ProviderError) as caught:
        share(linkedin, connected(fake), text="A new plant in Ghent!", link_url=relative)
    assert caught.value.kind is ErrorKind.REJECTED and "/content/article/source" in caught.value.message
    assert fake.posts == []
