"""Bluesky engagement (app.bsky.feed.getPosts, up to 25 URIs) and potential reach against the fake PDS."""
from __future__ import annotations

import pytest

from ambassador.providers.base import Engagement, ErrorKind, ProviderError

from .fakes.bluesky import FakePDS
from .test_bluesky import connected, share

pytestmark = pytest.mark.usefixtures("allow_http_providers")


@pytest.fixture
def pds():
    with FakePDS().running() as pds:
        yield pds


@pytest.fixture
def bluesky(app):
    from ambassador.providers.bluesky import BlueskyProvider

    return BlueskyProvider({**app.config, "PROVIDER_READ_TIMEOUT": 0.5})


def test_metrics_of_several_posts_in_one_call(bluesky, pds):
    _tokens, account = connected(bluesky, pds)
    first = bluesky.publish(account=account, request=share(key="k-1")).external_id
    second = bluesky.publish(account=account, request=share(text="Autre https://amb.example/s/Xy1", key="k-2"))
    record = next(r for r in pds.records.values() if r["uri"] == first)
    record.update(likeCount=4, repostCount=1, replyCount=2, quoteCount=3)
    result = bluesky.metrics(account=account, external_ids=[first, second.external_id])
    assert result.found[first] == Engagement(likes=4, reposts=1, replies=2, quotes=3, impressions=None)
    assert result.found[second.external_id] == Engagement(likes=0, reposts=0, replies=0, quotes=0)
    assert result.deleted == set() and pds.count("getPosts") == 1


def test_a_deleted_post_is_marked_only_when_the_pds_says_so(bluesky, pds):
    _tokens, account = connected(bluesky, pds)
    uri = bluesky.publish(account=account, request=share()).external_id
    key = next(k for k, r in pds.records.items() if r["uri"] == uri)
    # The app view has not indexed it yet (getPosts leaves it out) but the PDS has it: unknown, not deleted.
    pds.fail("getPosts", status=200, body={"posts": []})
    result = bluesky.metrics(account=account, external_ids=[uri])
    assert result.found == {} and result.deleted == set()
    del pds.records[key]  # the member deleted it
    result = bluesky.metrics(account=account, external_ids=[uri])
    assert result.found == {} and result.deleted == {uri}


def test_more_than_25_uris_are_never_sent(bluesky, pds):
    _tokens, account = connected(bluesky, pds)
    with pytest.raises(ValueError):
        bluesky.metrics(account=account, external_ids=[f"at://did:plc:alice123/app.bsky.feed.post/{i}"
                                                       for i in range(26)])
    assert pds.count("getPosts") == 0


def test_the_fake_pds_refuses_what_bluesky_refuses(bluesky, pds):
    _tokens, account = connected(bluesky, pds)
    with pytest.raises(ProviderError) as caught:
        bluesky.metrics(account=account, external_ids=["https://bsky.app/profile/alice.test/post/3k"])
    assert caught.value.kind is ErrorKind.REJECTED and "at-uri" in caught.value.message


def test_followers_at_connect_and_later(bluesky, pds):
    tokens, account = connected(bluesky, pds)
    [profile] = bluesky.profiles(tokens=tokens, service_url=pds.base_url)
    assert profile.followers == 321
    pds.accounts["did:plc:alice123"]["followersCount"] = 400
    assert bluesky.follower_count(account=account) == 400
