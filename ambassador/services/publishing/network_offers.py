"""What "My accounts" says about every network in the networks table: connect it, not enabled on this server
yet (and which settings turn it on, for admins), or shared from the feed only — never a silent gap.

The state follows the provider registry (an adapter exists, its settings are filled in) and the networks
table (prefilled text, points); the page never branches on a network's name.
"""
from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ... import networks
from ...models import SocialAccount
from ...providers import registry


class OfferState(enum.StrEnum):
    CONNECT = "connect"  # an adapter, configured: the member can connect an account
    NOT_ENABLED = "not_enabled"  # an adapter, but its server settings are not filled in
    FEED_ONLY = "feed_only"  # no account to connect: shared from the feed (share-intent link or copied link)


@dataclass(frozen=True)
class NetworkOffer:
    network: networks.Network
    state: OfferState
    provider_name: str | None  # the adapter's key (accounts.connect), when there is one
    provider_label: str | None  # what connecting links ("Facebook Pages" for Facebook)
    connected: int  # the member's accounts on it (not disconnected)
    settings: tuple[str, ...]  # what an admin sets to enable it (NOT_ENABLED)
    needs_redirect_uri: bool  # an OAuth app: the admin registers our callback address with the network


def network_offers(*, accounts: Iterable[SocialAccount], config: dict[str, Any]) -> list[NetworkOffer]:
    """One offer per network, in the networks table's order; `accounts` are the member's linked accounts."""
    classes = registry.all_classes()
    connected = Counter(account.provider for account in accounts)
    offers = []
    for key, net in networks.NETWORKS.items():
        cls = classes.get(key)
        if cls is None:
            state = OfferState.FEED_ONLY
        elif cls.is_configured(config):
            state = OfferState.CONNECT
        else:
            state = OfferState.NOT_ENABLED
        offers.append(NetworkOffer(
            network=net, state=state, provider_name=cls.name if cls else None,
            provider_label=cls.label if cls else None, connected=connected.get(key, 0),
            settings=cls.settings if cls else (), needs_redirect_uri=bool(cls and cls.connect_style == "oauth")))
    return offers
