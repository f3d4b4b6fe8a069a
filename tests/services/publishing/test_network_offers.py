"""What My accounts says about each network: connect, not enabled on this server, or from the feed only."""
from __future__ import annotations

from ambassador import networks
from ambassador.models import SocialAccount
from ambassador.services.publishing.network_offers import OfferState, network_offers

NOTHING = {"MASTODON_ENABLED": False, "BLUESKY_ENABLED": False}


def _by_key(offers):
    return {offer.network.key: offer for offer in offers}


def test_every_network_of_the_table_is_offered_in_its_order():
    offers = network_offers(accounts=[], config=NOTHING)
    assert [o.network.key for o in offers] == list(networks.NETWORKS)


def test_states_follow_the_settings():
    offers = _by_key(network_offers(accounts=[], config=NOTHING))
    assert {k for k, o in offers.items() if o.state == OfferState.NOT_ENABLED} == {
        "linkedin", "x", "facebook", "mastodon", "bluesky"}
    assert {k for k, o in offers.items() if o.state == OfferState.FEED_ONLY} == {"whatsapp", "xing", "email", "copy"}
    assert offers["linkedin"].settings == ("LINKEDIN_CLIENT_ID", "LINKEDIN_CLIENT_SECRET")
    assert offers["linkedin"].needs_redirect_uri and not offers["bluesky"].needs_redirect_uri
    assert offers["facebook"].provider_label == "Facebook Pages"

    on = _by_key(network_offers(accounts=[], config={"LINKEDIN_CLIENT_ID": "a", "LINKEDIN_CLIENT_SECRET": "b",
                                                     "MASTODON_ENABLED": True}))
    assert on["linkedin"].state == on["mastodon"].state == OfferState.CONNECT
    assert on["x"].state == OfferState.NOT_ENABLED


def test_connected_accounts_are_counted_per_network():
    accounts = [SocialAccount(provider="mastodon"), SocialAccount(provider="mastodon"), SocialAccount(provider="x")]
    offers = _by_key(network_offers(accounts=accounts, config={"MASTODON_ENABLED": True}))
    assert (offers["mastodon"].connected, offers["x"].connected, offers["linkedin"].connected) == (2, 1, 0)
