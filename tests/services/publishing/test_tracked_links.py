from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlalchemy as sa

from ambassador.models import TrackedLink
from ambassador.services.publishing import tracked_links
from ambassador.services.publishing.tracked_links import LinkCache, LinkTarget, link_for, resolve, with_utm


def make_link(make, *, org=None, member=None, network="linkedin", url=None, campaign_slug=None):
    """A member's tracked link for a fresh post (helper shared by the links tests)."""
    org = org or make.org()
    member = member or make.member(org)
    campaign = make.campaign(org, **({"slug": campaign_slug} if campaign_slug else {}))
    post = make.post(campaign, **({"link_url": url} if url else {}))
    return link_for(membership=member, post=post, network=network)


def query(url):
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def test_utm_added_after_the_links_own_query_and_fragment_kept():
    url = with_utm("https://shop.example.be/nl/artikel?id=7&lang=nl#reviews", network="linkedin",
                   campaign_slug="lente-2025")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == (
        "https", "shop.example.be", "/nl/artikel", "reviews")
    assert query(url) == [("id", "7"), ("lang", "nl"), ("utm_source", "linkedin"), ("utm_medium", "ambassador"),
                          ("utm_campaign", "lente-2025")]


def test_utm_keeps_an_existing_utm_source_and_blank_values():
    url = with_utm("https://example.fr/p?utm_source=newsletter&empty=", network="x", campaign_slug="c")
    assert query(url) == [("utm_source", "newsletter"), ("empty", ""), ("utm_medium", "ambassador"),
                          ("utm_campaign", "c")]


def test_utm_on_a_bare_url():
    assert with_utm("https://example.nl", network="bluesky", campaign_slug="k") == (
        "https://example.nl?utm_source=bluesky&utm_medium=ambassador&utm_campaign=k")


def test_link_for_stores_the_destination_and_is_one_per_member_post_network(make, db):
    org = make.org()
    member = make.member(org)
    post = make.post(make.campaign(org, slug="herfst"), link_url="https://example.com/a?x=1#top")
    link = link_for(membership=member, post=post, network="linkedin")
    assert link.destination == ("https://example.com/a?x=1&utm_source=linkedin&utm_medium=ambassador"
                                "&utm_campaign=herfst#top")
    assert link_for(membership=member, post=post, network="linkedin").id == link.id
    other = link_for(membership=member, post=post, network="x")
    assert other.id != link.id and other.code != link.code
    assert db.session.scalar(sa.select(sa.func.count(TrackedLink.id)).where(TrackedLink.post_id == post.id)) == 2


def test_link_for_refuses_a_post_of_another_organization(make):
    post = make.post(make.campaign(make.org()))
    with pytest.raises(ValueError):
        link_for(membership=make.member(make.org()), post=post, network="linkedin")


def test_resolve_caches_so_a_repeat_hit_does_not_query(make, db):
    link = make_link(make)
    cache = LinkCache(maxsize=8)
    statements = []
    listen = sa.event.listens_for(db.engine, "before_cursor_execute")(
        lambda *args: statements.append(args[2]))
    try:
        first = resolve(link.code, cache=cache)
        second = resolve(link.code, cache=cache)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert first == second == LinkTarget(link.id, link.org_id, link.destination, link.membership_id, "linkedin")
    assert len([s for s in statements if "tracked_link" in s]) == 1


def test_resolve_unknown_and_garbage_codes(make):
    cache = LinkCache()
    assert resolve("nosuchcode", cache=cache) is None
    assert resolve("../../etc", cache=cache) is None
    assert resolve("x" * 200, cache=cache) is None
    assert len(cache) == 0  # misses are not cached


def test_link_cache_is_bounded_lru():
    cache = LinkCache(maxsize=2)
    a, b, c = (LinkTarget(i, 1, f"https://e.test/{i}", 1, "x") for i in range(3))
    cache.put("a", a)
    cache.put("b", b)
    assert cache.get("a") == a  # "a" is now the most recent
    cache.put("c", c)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (a, None, c)


def test_module_cache_is_used_by_default(make):
    link = make_link(make)
    assert resolve(link.code).link_id == link.id
    assert tracked_links.link_cache.get(link.code).destination == link.destination
