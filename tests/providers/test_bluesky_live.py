"""Optional: the Bluesky adapter against a real PDS (a test account on a self-hosted PDS is best).

Runs only when BLUESKY_TEST_PDS names a reachable PDS and BLUESKY_TEST_HANDLE /
BLUESKY_TEST_PASSWORD (an app password) are set; otherwise it is skipped and says why.
It connects, publishes, publishes again with the same key (no second post), reads the record
back, and deletes it afterwards.
"""
from __future__ import annotations

import os
import uuid

import pytest
import requests

from ambassador.providers.base import AccountContext, PublishRequest
from ambassador.providers.bluesky import BlueskyProvider

PDS = os.environ.get("BLUESKY_TEST_PDS", "").rstrip("/")
HANDLE = os.environ.get("BLUESKY_TEST_HANDLE", "")
PASSWORD = os.environ.get("BLUESKY_TEST_PASSWORD", "")


def _reachable() -> str | None:
    if not (PDS and HANDLE and PASSWORD):
        return "set BLUESKY_TEST_PDS, BLUESKY_TEST_HANDLE and BLUESKY_TEST_PASSWORD (an app password) to run"
    try:
        requests.get(f"{PDS}/xrpc/_health", timeout=5)
    except requests.RequestException as exc:
        return f"BLUESKY_TEST_PDS {PDS} is not reachable: {exc.__class__.__name__}"
    return None


pytestmark = pytest.mark.skipif(_reachable() is not None, reason=_reachable() or "")


def test_connect_publish_and_read_back(app):
    bluesky = BlueskyProvider({**app.config, "PROVIDERS_ALLOW_HTTP": PDS.startswith("http://")})
    tokens = bluesky.login(identifier=HANDLE, password=PASSWORD, service_url=PDS)
    [profile] = bluesky.profiles(tokens=tokens, service_url=PDS)
    account = AccountContext(external_id=profile.external_id, access_token=tokens.access_token,
                             service_url=bluesky.normalize_service_url(PDS), extra=profile.extra)
    link = "https://example.com/ambassador-live-test"
    request = PublishRequest(text=f"Test d'intégration 🎉 ignorez-moi {link}", link_url=link,
                             title="Ambassador test", description="", idempotency_key=f"live-{uuid.uuid4()}")
    result = bluesky.publish(account=account, request=request)
    rkey = result.external_id.rsplit("/", 1)[-1]
    try:
        assert bluesky.publish(account=account, request=request).external_id == result.external_id
        record = requests.get(f"{account.service_url}/xrpc/com.atproto.repo.getRecord", timeout=10,
                              params={"repo": account.external_id, "collection": "app.bsky.feed.post",
                                      "rkey": rkey}).json()
        assert record["value"]["text"] == request.text
        [facet] = [f for f in record["value"]["facets"] if f["features"][0]["$type"].endswith("#link")]
        raw = request.text.encode()
        assert raw[facet["index"]["byteStart"]:facet["index"]["byteEnd"]].decode() == link
    finally:
        requests.post(f"{account.service_url}/xrpc/com.atproto.repo.deleteRecord", timeout=10,
                      headers={"Authorization": f"Bearer {account.access_token}"},
                      json={"repo": account.external_id, "collection": "app.bsky.feed.post", "rkey": rkey})


def test_engagement_and_followers_from_the_real_pds(app):
    """getPosts through the PDS (proxied to its app view); a deleted record is marked deleted, never read as 0."""
    bluesky = BlueskyProvider({**app.config, "PROVIDERS_ALLOW_HTTP": PDS.startswith("http://")})
    tokens = bluesky.login(identifier=HANDLE, password=PASSWORD, service_url=PDS)
    [profile] = bluesky.profiles(tokens=tokens, service_url=PDS)
    account = AccountContext(external_id=profile.external_id, access_token=tokens.access_token,
                             service_url=bluesky.normalize_service_url(PDS), extra=profile.extra)
    link = "https://example.com/ambassador-live-metrics"
    request = PublishRequest(text=f"Test d'intégration, ignorez-moi {link}", link_url=link, title="Ambassador test",
                             description="", idempotency_key=f"live-{uuid.uuid4()}")
    uri = bluesky.publish(account=account, request=request).external_id
    rkey = uri.rsplit("/", 1)[-1]
    try:
        first = bluesky.metrics(account=account, external_ids=[uri])
        assert uri not in first.deleted  # present on the PDS, whether or not the app view indexed it yet
        if uri in first.found:
            assert first.found[uri].impressions is None  # Bluesky has no impressions: unknown, not 0
    finally:
        requests.post(f"{account.service_url}/xrpc/com.atproto.repo.deleteRecord", timeout=10,
                      headers={"Authorization": f"Bearer {account.access_token}"},
                      json={"repo": account.external_id, "collection": "app.bsky.feed.post", "rkey": rkey})
    assert bluesky.metrics(account=account, external_ids=[uri]).deleted == {uri}
    followers = bluesky.follower_count(account=account)
    assert followers is None or followers >= 0
