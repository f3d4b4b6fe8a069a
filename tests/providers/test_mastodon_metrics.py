"""Mastodon engagement (GET /api/v1/statuses?id[]=…, per status before 4.3) and potential reach."""
from __future__ import annotations

import pytest

from ambassador.providers.base import Engagement, ErrorKind, ProviderError, TokenSet
from ambassador.providers.mastodon import MastodonProvider
from ambassador.services.publishing import mastodon_apps

from .fakes.mastodon import FakeMastodon
from .test_mastodon import account, share

pytestmark = pytest.mark.usefixtures("allow_http_providers")


@pytest.fixture
def mastodon(app):
    return MastodonProvider({**app.config, "PROVIDER_READ_TIMEOUT": 0.5}, clients=mastodon_apps)


def _two_statuses(mastodon, fake):
    ctx = account(fake)
    first = mastodon.publish(account=ctx, request=share(text="Un https://amb.example/s/a", key="k1")).external_id
    second = mastodon.publish(account=ctx, request=share(text="Deux https://amb.example/s/b", key="k2")).external_id
    fake.statuses[0].update(favourites_count=3, reblogs_count=2, replies_count=1)
    return ctx, first, second


@pytest.mark.parametrize("version, calls", [("4.3", {"statuses_index": 1, "status": 0}),
                                            ("4.2", {"statuses_index": 1, "status": 2})])
def test_metrics_batched_where_the_instance_can(mastodon, version, calls):
    with FakeMastodon(version=version).running() as fake:
        ctx, first, second = _two_statuses(mastodon, fake)
        result = mastodon.metrics(account=ctx, external_ids=[first, second])
        assert result.found == {first: Engagement(likes=3, reposts=2, replies=1),
                                second: Engagement(likes=0, reposts=0, replies=0)}
        assert result.deleted == set()
        assert {endpoint: fake.count(endpoint) for endpoint in calls} == calls


@pytest.mark.parametrize("version", ["4.3", "4.2"])
def test_a_deleted_status_is_marked(mastodon, version):
    with FakeMastodon(version=version).running() as fake:
        ctx, first, second = _two_statuses(mastodon, fake)
        fake.statuses = [s for s in fake.statuses if s["id"] != second]
        result = mastodon.metrics(account=ctx, external_ids=[first, second])
        assert set(result.found) == {first} and result.deleted == {second}


def test_more_than_20_ids_are_never_sent(mastodon):
    with FakeMastodon().running() as fake:
        with pytest.raises(ValueError):
            mastodon.metrics(account=account(fake), external_ids=[str(i) for i in range(21)])
        assert fake.count("statuses_index") == 0


def test_a_revoked_token_means_reauth(mastodon):
    with FakeMastodon().running() as fake:
        with pytest.raises(ProviderError) as caught:
            mastodon.metrics(account=account(fake, token="revoked"), external_ids=["1000"])
        assert caught.value.kind is ErrorKind.REAUTH


def test_followers_at_connect_and_later(mastodon):
    with FakeMastodon().running() as fake:
        token = fake.add_token()
        [profile] = mastodon.profiles(tokens=TokenSet(access_token=token), service_url=fake.base_url)
        assert profile.followers == 87
        fake.accounts["1"]["followers_count"] = 90
        assert mastodon.follower_count(account=account(fake, token=token)) == 90
