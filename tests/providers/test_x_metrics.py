"""X engagement (GET /2/tweets?ids=…&tweet.fields=public_metrics) and potential reach against the contract fake."""
from __future__ import annotations

import pytest

from ambassador.providers.base import Engagement, ErrorKind, ProviderError, TokenSet

from .fakes.x import FakeX
from .test_x import connected, post, provider


@pytest.fixture
def fake():
    return FakeX()


@pytest.fixture
def x(app, fake):
    with fake.running():
        yield provider(app, fake.base_url)


def test_metrics_of_several_posts_in_one_call(x, fake):
    account = connected(fake)
    first = post(x, account, "One https://amb.test/s/a1").external_id
    second = post(x, account, "Two https://amb.test/s/a2").external_id
    fake.tweets[0].update(likes=7, retweets=2, replies=1, quotes=1, impressions=340)
    result = x.metrics(account=account, external_ids=[first, second])
    assert result.found == {first: Engagement(likes=7, reposts=2, replies=1, quotes=1, impressions=340),
                            second: Engagement(likes=0, reposts=0, replies=0, quotes=0, impressions=0)}
    assert result.deleted == set()
    assert fake.count("lookup") == 1
    assert fake.last("lookup")["args"] == {"ids": f"{first},{second}", "tweet.fields": "public_metrics"}


def test_a_deleted_post_comes_back_as_deleted_not_as_zero(x, fake):
    account = connected(fake)
    kept = post(x, account, "Kept https://amb.test/s/a1").external_id
    gone = post(x, account, "Gone https://amb.test/s/a2").external_id
    fake.delete(gone)
    result = x.metrics(account=account, external_ids=[kept, gone])
    assert set(result.found) == {kept} and result.deleted == {gone}
    only_gone = x.metrics(account=account, external_ids=[gone])  # X answers errors only, no data
    assert only_gone.found == {} and only_gone.deleted == {gone}


def test_more_than_100_ids_are_never_sent(x, fake):
    with pytest.raises(ValueError):
        x.metrics(account=connected(fake), external_ids=[str(10**17 + i) for i in range(101)])
    assert fake.count("lookup") == 0


def test_the_fake_refuses_what_x_refuses(x, fake):
    """Strict like X: a malformed id is a 400 with the reason (the adapter then says REJECTED)."""
    with pytest.raises(ProviderError) as caught:
        x.metrics(account=connected(fake), external_ids=["urn:li:share:1"])
    assert caught.value.kind is ErrorKind.REJECTED and "ids" in caught.value.message


def test_rate_limit_says_when_to_come_back(app, fake):
    fake.rate_limit = 1
    with fake.running():
        x = provider(app, fake.base_url)
        account = connected(fake)
        tweet = post(x, account).external_id
        x.metrics(account=account, external_ids=[tweet])
        with pytest.raises(ProviderError) as caught:
            x.metrics(account=account, external_ids=[tweet])
    assert caught.value.kind is ErrorKind.RATE_LIMITED and caught.value.retry_at is not None


def test_an_expired_token_means_reauth(x, fake):
    account = connected(fake)
    account.access_token = "expired"
    with pytest.raises(ProviderError) as caught:
        x.metrics(account=account, external_ids=["1790000000000000001"])
    assert caught.value.kind is ErrorKind.REAUTH


def test_followers_at_connect_and_later(x, fake):
    tokens = fake.account()
    [profile] = x.profiles(tokens=TokenSet(access_token=tokens["access_token"]))
    assert profile.followers == 1234
    assert fake.last("me")["args"] == {"user.fields": "public_metrics"}
    fake.users[fake.consenting_user]["followers"] = 1300
    assert x.follower_count(account=connected(fake)) == 1300
    assert x.reports_followers() and x.reports_engagement(scopes=())
