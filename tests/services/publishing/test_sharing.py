"""Recording intent shares: the short link, the text that goes out, points once per (member, post, network)."""
from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import sqlalchemy as sa

from ambassador.models import PointsEntry, Share, TrackedLink
from ambassador.services.community import points
from ambassador.services.publishing import sharing


@pytest.fixture
def org(make):
    return make.org(disclosure="#employee", points_share=5, daily_share_points_cap=100)


@pytest.fixture
def member(make, org):
    return make.member(org)


@pytest.fixture
def post(make, org):
    return make.post(make.campaign(org), link_url="https://example.com/news/launch?ref=blog",
                     preview_title="Our launch", hashtags="#launch",
                     captions={"linkedin": "We launched!", "x": "Launch day", "bluesky": "Launch 🚀",
                               "whatsapp": "Look at this", "email": "Thought you'd like this"})


def _count(db, model):
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def _query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_share_records_row_with_own_tracked_link_and_points(db, member, post):
    result = sharing.share_post(membership=member, post=post, network="x", caption="Launch day")
    share = result.share
    assert (share.method, share.status, share.network) == ("intent", "shared", "x")
    assert share.tracked_link.membership_id == member.id and share.tracked_link.post_id == post.id
    assert result.url == f"http://localhost/s/{share.tracked_link.code}"
    assert share.caption == result.text == f"Launch day #launch #employee {result.url}"
    assert result.points.points == 5 and points.balance(member.id) == 5


def test_intent_urls_per_network_carry_the_short_link_never_the_post_link(member, post):
    urls = {}
    for network in ("linkedin", "x", "facebook", "whatsapp", "xing", "bluesky", "email"):
        result = sharing.share_post(membership=member, post=post, network=network, caption=None)
        assert "example.com" not in result.intent_url
        urls[network] = (result.intent_url, result.url)

    linkedin, short = urls["linkedin"]
    assert linkedin.startswith("https://www.linkedin.com/sharing/share-offsite/?")
    assert _query(linkedin)["url"] == short

    x, short = urls["x"]
    assert x.startswith("https://x.com/intent/tweet?")
    assert _query(x)["text"] == f"Launch day #launch #employee {short}"

    facebook, short = urls["facebook"]
    assert facebook.startswith("https://www.facebook.com/sharer/sharer.php?")
    assert _query(facebook) == {"u": short}  # no prefilled text

    whatsapp, short = urls["whatsapp"]
    assert whatsapp.startswith("https://wa.me/?") and _query(whatsapp)["text"].endswith(short)
    assert "Look at this" in _query(whatsapp)["text"]

    xing, short = urls["xing"]
    assert _query(xing)["url"] == short

    bluesky, short = urls["bluesky"]
    assert bluesky.startswith("https://bsky.app/intent/compose?")
    assert _query(bluesky)["text"] == f"Launch 🚀 #launch #employee {short}"

    email, short = urls["email"]
    assert email.startswith("mailto:?")
    assert unquote(email).startswith("mailto:?subject=Our launch&body=Thought you'd like this")
    assert _query(email)["body"].endswith(short)


def test_removed_disclosure_is_put_back(member, post):
    result = sharing.share_post(membership=member, post=post, network="linkedin", caption="My own words")
    assert "#employee" in result.text
    kept = sharing.share_post(membership=member, post=post, network="x", caption="#Employee here")
    assert kept.text.count("#employee") + kept.text.count("#Employee") == 1


def test_caption_too_long_is_rejected_before_anything_is_written(app, db, member, post):
    before = (_count(db, Share), _count(db, TrackedLink), _count(db, PointsEntry))
    with pytest.raises(sharing.ShareError) as error:
        # 250 + hashtag, disclosure and a 23-character link: over X's 280.
        sharing.share_post(membership=member, post=post, network="x", caption="a" * 250)
    with app.test_request_context():
        assert "the limit is 280" in str(error.value) and "X:" in str(error.value)
    assert (_count(db, Share), _count(db, TrackedLink), _count(db, PointsEntry)) == before


def test_caption_that_fits_exactly_with_the_link_is_accepted(member, post):
    # X counts the link as 23: 280 - 23 - len(" #launch #employee ") = 238
    result = sharing.share_post(membership=member, post=post, network="x", caption="a" * 238)
    assert result.share.id


def test_unknown_network_is_refused(member, post):
    with pytest.raises(sharing.ShareError):
        sharing.share_post(membership=member, post=post, network="myspace", caption="hi")


def test_sharing_again_reuses_the_link_records_another_share_but_pays_once(db, member, post):
    first = sharing.share_post(membership=member, post=post, network="linkedin", caption=None)
    second = sharing.share_post(membership=member, post=post, network="linkedin", caption="Again")
    assert first.link.id == second.link.id
    assert first.share.id != second.share.id
    assert first.points is not None and second.points is None
    assert points.balance(member.id) == 5
    # Another network is another (member, post, network): it pays.
    other = sharing.share_post(membership=member, post=post, network="x", caption=None)
    assert other.link.id != first.link.id and other.points is not None
    assert points.balance(member.id) == 10
    assert db.session.scalar(sa.select(sa.func.count(Share.id)).where(Share.membership_id == member.id)) == 3


def test_points_are_per_member(make, org, member, post):
    colleague = make.member(org)
    sharing.share_post(membership=member, post=post, network="x", caption=None)
    result = sharing.share_post(membership=colleague, post=post, network="x", caption=None)
    assert result.points is not None and points.balance(colleague.id) == 5


def test_facebook_shares_earn_no_points_and_carry_no_text(member, post):
    result = sharing.share_post(membership=member, post=post, network="facebook", caption="ignored")
    assert result.points is None and points.balance(member.id) == 0
    assert result.text == "" and result.share.caption == ""
    assert result.share.tracked_link.network == "facebook"


def test_copy_link_has_no_intent_and_keeps_the_text(member, post):
    result = sharing.share_post(membership=member, post=post, network="copy", caption="Have a look")
    assert result.intent_url is None
    assert result.text == f"Have a look #launch #employee {result.url}"


def test_another_organizations_post_cannot_be_shared(make, member):
    foreign = make.post(make.campaign(make.org()))
    with pytest.raises(ValueError):
        sharing.share_post(membership=member, post=foreign, network="x", caption="hi")


def test_share_options_measure_what_is_added(member, post, org):
    options = {o.network.key: o for o in sharing.share_options(post=post, disclosure=org.disclosure)}
    # " #launch #employee " (19) + a link X counts as 23.
    assert options["x"].added == 19 + 23
    assert options["x"].caption == "Launch day" and options["x"].carries_text
    assert not options["linkedin"].carries_text and not options["xing"].carries_text
    assert options["facebook"].caption == "" and not options["facebook"].carries_text
    # No caption written for XING: the first written caption stands in.
    assert options["xing"].caption == "We launched!"
