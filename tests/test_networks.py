"""Caption counters and the composed text, per network rules (twitter-text v3, Bluesky, Mastodon)."""
import pytest

from ambassador import networks
from ambassador.networks import compose_text, count_graphemes, count_mastodon, count_x


@pytest.mark.parametrize("text, expected", [
    ("hello", 5),
    ("", 0),
    ("café", 4),                      # Latin-1 weighs 1
    ("cafe\u0301", 4),                # NFC: e + combining acute is one "é"
    ("日本語", 6),                     # CJK weighs 2
    ("\u2014", 1),                    # em dash is in a weight-1 range
    ("👍", 2),
    ("👍🏽", 2),                        # emoji + skin tone modifier: one emoji
    ("👨\u200d👩\u200d👧", 2),           # ZWJ family: one emoji
    ("🇧🇪", 2),                        # flag (two regional indicators)
    ("1\ufe0f\u20e3", 2),             # keycap sequence
])
def test_x_weighting(text, expected):
    assert count_x(text) == expected


def test_x_counts_every_url_as_23():
    long_url = "https://example.com/" + "a" * 200
    assert count_x(long_url) == 23
    assert count_x("Read https://t.example/x") == len("Read ") + 23
    assert count_x("a http://x.io b https://y.io/long/path?q=1") == 2 + 23 + 3 + 23


def test_x_url_stops_before_trailing_punctuation():
    # The full stop after the link is text, as twitter-text sees it.
    assert count_x("See https://example.com/page.") == len("See ") + 23 + 1
    assert count_x("(https://example.com/page)") == 1 + 23 + 1


def test_x_network_limit_is_280():
    net = networks.get("x")
    assert net.limit == 280 and net.counter == "x"
    assert net.length("日" * 140) == 280
    assert net.length("日" * 141) == 282


@pytest.mark.parametrize("text, expected", [
    ("hello", 5),
    ("e\u0301", 1),                  # combining mark joins its base
    ("👍🏽", 1),
    ("👨\u200d👩\u200d👧\u200d👦", 1),
    ("🇫🇷🇧🇪", 2),
    ("a\u0308\u0301b", 2),
])
def test_bluesky_counts_graphemes(text, expected):
    assert count_graphemes(text) == expected
    assert networks.get("bluesky").length(text) == expected


def test_bluesky_counts_urls_in_full():
    url = "https://example.com/" + "a" * 100
    assert networks.get("bluesky").length(url) == len(url)


def test_mastodon_counts_urls_as_23_and_graphemes():
    assert count_mastodon("https://example.com/" + "z" * 300) == 23
    assert count_mastodon("Hi https://a.example/x, ok") == 3 + 23 + 4
    assert count_mastodon("👨\u200d👩\u200d👧") == 1
    assert count_mastodon("e\u0301") == 1


def test_mastodon_counts_remote_mentions_by_local_part():
    assert count_mastodon("hi @alice@social.example") == len("hi @alice")
    assert count_mastodon("mail me: bob@example.com") == len("mail me: bob@example.com")


def test_compose_text_keeps_disclosure_and_link():
    text = compose_text(caption="Our new store", disclosure="#employee", url="https://s.example/s/abc",
                        hashtags="#retail #gent")
    assert text == "Our new store #retail #gent #employee https://s.example/s/abc"


def test_compose_text_does_not_repeat_tags_already_in_caption():
    text = compose_text(caption="Join #Gent today #employee", disclosure="#employee", url="", hashtags="#gent #jobs")
    assert text == "Join #Gent today #employee #jobs"


def test_compose_text_disclosure_is_not_hidden_by_a_longer_tag():
    # "#ad" inside "#adventure" is not the disclosure: it must still be added.
    text = compose_text(caption="Our #adventure starts", disclosure="#ad", url="https://x.example")
    assert text.endswith("#ad https://x.example")
    tags = compose_text(caption="#ai-ming high", disclosure="", url="", hashtags="#ai #aim")
    assert tags == "#ai-ming high #aim"  # a hyphen ends a hashtag: "#ai" is there, "#aim" is not


def test_compose_text_dedupes_hashtags():
    assert compose_text(caption="x", disclosure="", url="", hashtags="#a #A #b") == "x #a #b"


def test_network_length_uses_its_counter():
    for key in networks.CAPTION_NETWORKS:
        net = networks.get(key)
        assert net.length("abc") == 3
    assert networks.get("linkedin").length("👍🏽") == 2  # plain code points
