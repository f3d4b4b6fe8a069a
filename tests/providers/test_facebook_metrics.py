"""Facebook Page post engagement (batched ?ids=…&fields=…) and a Page's followers against the contract fake."""
from __future__ import annotations

import pytest
import requests

from ambassador.providers.base import Engagement, ErrorKind, ProviderError

from .fakes.facebook import FakeFacebook
from .test_facebook import CALLBACK, adapter, page, share


@pytest.fixture
def fake():
    with FakeFacebook().running() as fake:
        yield fake


@pytest.fixture
def facebook(app, fake):
    return adapter(app, fake)


def _two_posts(facebook, fake):
    account = page(fake)
    first = facebook.publish(account=account, request=share(text="Un", key="k1")).external_id
    second = facebook.publish(account=account, request=share(text="Deux", key="k2")).external_id
    fake.posts[0].update(reactions=5, comments=1, shares=2)
    return account, first, second


def test_metrics_of_several_posts_in_one_call(facebook, fake):
    account, first, second = _two_posts(facebook, fake)
    result = facebook.metrics(account=account, external_ids=[first, second])
    assert result.found == {first: Engagement(likes=5, replies=1, reposts=2),
                            # Graph leaves `shares` out until someone shares: that is 0, not unknown.
                            second: Engagement(likes=0, replies=0, reposts=0)}
    assert result.deleted == set() and fake.count("batch") == 1 and fake.count("post") == 0
    assert "reactions.summary(total_count)" in fake.last("batch")["args"]["fields"]


def test_a_deleted_post_fails_the_batch_then_is_marked_alone(facebook, fake):
    account, first, second = _two_posts(facebook, fake)
    fake.posts = [p for p in fake.posts if p["id"] != second]
    result = facebook.metrics(account=account, external_ids=[first, second])
    assert set(result.found) == {first} and result.deleted == {second}
    assert fake.count("batch") == 1 and fake.count("post") == 2


def test_a_bad_token_means_reauth(facebook, fake):
    account, first, _second = _two_posts(facebook, fake)
    account.access_token = "EAAPbroken"
    with pytest.raises(ProviderError) as caught:
        facebook.metrics(account=account, external_ids=[first])
    assert caught.value.kind is ErrorKind.REAUTH


def test_more_than_50_ids_are_never_sent(facebook, fake):
    with pytest.raises(ValueError):
        facebook.metrics(account=page(fake), external_ids=[f"101_{i}" for i in range(51)])


def test_followers_at_connect_and_later(facebook, fake):
    answer = requests.get(facebook.authorize_url(redirect_uri=CALLBACK, state="s", code_challenge="c"),
                          allow_redirects=False, timeout=5)
    code = answer.headers["Location"].split("code=")[1].split("&")[0]
    tokens = facebook.exchange(code=code, redirect_uri=CALLBACK, code_verifier="")
    profiles = {p.external_id: p for p in facebook.profiles(tokens=tokens)}
    assert profiles["101"].followers == 540
    assert profiles["102"].followers is None  # the Page gives no count: unknown, not 0
    fake.pages[0]["followers_count"] = 600
    assert facebook.follower_count(account=page(fake)) == 600
    assert facebook.reports_engagement(scopes=("pages_read_engagement",))
    assert not facebook.reports_engagement(scopes=("pages_manage_posts",))
