"""One place composes and measures a share's text (sharing.compose): intent shares, shares through a
linked account, scheduled edits and the caption counters all take their text and length from it, so
the counter's "used / limit" is exactly what the checks accept."""
from __future__ import annotations

from datetime import timedelta

import pytest

from ambassador import networks
from ambassador.models import ShareMethod
from ambassador.services.content import posts
from ambassador.services.publishing import feed, linked_shares, scheduled, sharing
from ambassador.services.publishing.linked_shares import PublishError
from ambassador.services.publishing.tracked_links import short_url
from tests.services.publishing.fakes import account


@pytest.fixture
def fan(make):
    return make.member(make.org(disclosure="#employee", disclosure_external="#partner"), kind="external")


@pytest.fixture
def post(make, fan):
    return make.post(make.campaign(fan.organization), hashtags="#launch", captions={"x": "Launch day"})


def test_compose_keeps_hashtags_the_members_disclosure_and_the_link(fan, post):
    composed = sharing.compose_share(membership=fan, post=post, network="x", caption="  Launch day ",
                                     url="https://s.example/s/abc")
    assert composed.text == "Launch day #launch #partner https://s.example/s/abc"
    assert composed.length == networks.get("x").length(composed.text) and composed.limit == 280
    assert composed.added == composed.length - len("Launch day") and composed.fits
    assert sharing.compose_share(membership=fan, post=post, network="x", caption=None,
                                 url="").text == "Launch day #launch #partner"  # the curator's caption


def test_an_intent_share_carries_no_text_where_the_network_takes_none(fan, post):
    assert not networks.get("facebook").prefill_text
    intent = sharing.compose_share(membership=fan, post=post, network="facebook", caption="Hi",
                                   method=ShareMethod.INTENT)
    api = sharing.compose_share(membership=fan, post=post, network="facebook", caption="Hi")
    assert (intent.text, intent.length, intent.added) == ("", 0, 0)
    assert api.text.startswith("Hi #launch #partner ")


def _at_limit(fan, post, network: str) -> str:
    """A caption that makes the text exactly as long as the network allows, by the feed counter's numbers."""
    option = next(o for o in sharing.share_options(post=post, disclosure=fan.disclosure) if o.network.key == network)
    return "a" * (option.network.limit - option.added)


@pytest.mark.parametrize("extra, fits", [("", True), ("a", False)])
def test_counter_intent_share_and_account_share_agree_on_the_limit(db, network, fan, post, extra, fits):
    caption = _at_limit(fan, post, "x") + extra
    assert sharing.compose_share(membership=fan, post=post, network="x", caption=caption).fits is fits
    assert (feed.check_caption(post=post, network="x", caption=caption, disclosure=fan.disclosure) is None) is fits
    if fits:
        assert sharing.share_post(membership=fan, post=post, network="x", caption=caption).text
        share = linked_shares.create_api_share(membership=fan, post=post, account=account(db, fan, "x"),
                                               caption=caption)
        assert share.caption == sharing.compose_share(membership=fan, post=post, network="x", caption=caption,
                                                      url=short_url(share.tracked_link.code)).text
        later = share.scheduled_at + timedelta(hours=1)
        assert scheduled.edit_scheduled(membership=fan, share=share, caption=caption, at=later)
    else:
        with pytest.raises(sharing.ShareError, match="280"):
            sharing.share_post(membership=fan, post=post, network="x", caption=caption)
        with pytest.raises(PublishError, match="280"):
            linked_shares.create_api_share(membership=fan, post=post, account=account(db, fan, "x"), caption=caption)


def test_the_post_forms_counter_adds_what_compose_adds(fan, post):
    caption = "Spring is here"
    extra = posts.caption_extra(network="x", hashtags="#launch", disclosure="#partner")
    composed = sharing.compose(network="x", caption=caption, hashtags="#launch", disclosure="#partner")
    assert len(caption) + extra == composed.length == posts.shared_length(
        network="x", caption=caption, hashtags="#launch", disclosure="#partner")
