"""The disclosure a share carries depends on the member's kind: employees' (internal) or customers' and
partners' (external). Every path keeps it in the text: intent shares, API publishes, scheduled edits,
auto-share; and every length check counts it."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.jobs import tasks
from ambassador.models import AutoShareOptIn, Share, utcnow
from ambassador.services.content import drafts, posts
from ambassador.services.content.posts import PostInput
from ambassador.services.publishing import feed, linked_shares, scheduled, sharing
from tests.services.publishing.fakes import account


@pytest.fixture
def org(make):
    return make.org(disclosure="#employee", disclosure_external="#ad")


@pytest.fixture
def employee(make, org):
    return make.member(org, kind="internal")


@pytest.fixture
def fan(make, org):
    return make.member(org, kind="external")


@pytest.fixture
def post(make, org):
    return make.post(make.campaign(org), hashtags="#launch", captions={"linkedin": "We launched!", "x": "Launch day"})


def without_link(text: str, url: str) -> str:
    assert text.endswith(" " + url)
    return text.removesuffix(" " + url)


def test_a_new_organization_discloses_external_shares_as_ads(make):
    org = make.org()
    assert (org.disclosure_for("internal"), org.disclosure_for("external")) == ("", "#ad")


def test_intent_share_ends_with_the_disclosure_of_the_members_kind(employee, fan, post):
    mine = sharing.share_post(membership=employee, post=post, network="x", caption="Launch day")
    theirs = sharing.share_post(membership=fan, post=post, network="x", caption="Launch day")
    assert without_link(mine.text, mine.url) == "Launch day #launch #employee"
    assert without_link(theirs.text, theirs.url) == "Launch day #launch #ad"
    assert "#employee" not in theirs.text


def test_editing_the_disclosure_out_puts_it_back(fan, post):
    result = sharing.share_post(membership=fan, post=post, network="linkedin", caption="All my own words")
    assert without_link(result.text, result.url).endswith(" #ad")
    kept = sharing.share_post(membership=fan, post=post, network="x", caption="#AD proudly")
    assert kept.text.lower().count("#ad") == 1  # already there: not added twice


def test_no_disclosure_when_the_organization_sets_none(make, post, org):
    org.disclosure_external = ""
    fan = make.member(org, kind="external")
    result = sharing.share_post(membership=fan, post=post, network="x", caption="Launch day")
    assert without_link(result.text, result.url) == "Launch day #launch"


def test_share_card_options_count_and_show_the_members_disclosure(post):
    for disclosure in ("#employee", "#partner-content"):
        options = {o.network.key: o for o in sharing.share_options(post=post, disclosure=disclosure)}
        assert options["x"].text == f"Launch day #launch {disclosure}"
        assert options["facebook"].text == ""  # the share dialog takes no prefilled text
    short = {o.network.key: o.added for o in sharing.share_options(post=post, disclosure="#ad")}
    long = {o.network.key: o.added for o in sharing.share_options(post=post, disclosure="#partner-content")}
    assert long["x"] - short["x"] == len("#partner-content") - len("#ad")


def test_caption_length_counts_the_external_disclosure(make, org, employee, fan, post):
    org.disclosure_external = "#sponsored-by-brasserie-zuid"
    caption = "a" * (280 - 23 - len(" #launch #employee "))  # exactly fits X with the employees' disclosure
    assert sharing.share_post(membership=employee, post=post, network="x", caption=caption)
    with pytest.raises(sharing.ShareError):
        sharing.share_post(membership=fan, post=post, network="x", caption=caption)
    assert feed.check_caption(post=post, network="x", caption=caption, disclosure=employee.disclosure) is None
    assert feed.check_caption(post=post, network="x", caption=caption, disclosure=fan.disclosure) is not None


def test_api_publish_keeps_the_members_disclosure(db, network, employee, fan, post):
    for member, disclosure in ((employee, "#employee"), (fan, "#ad")):
        share = linked_shares.create_api_share(membership=member, post=post, account=account(db, member, "linkedin"),
                                            caption="Have a look")
        url = sharing.short_url(share.tracked_link.code)
        assert without_link(share.caption, url) == f"Have a look #launch {disclosure}"


def test_a_scheduled_share_edited_without_the_disclosure_gets_it_back(db, network, fan, post):
    share = linked_shares.create_api_share(membership=fan, post=post, account=account(db, fan, "linkedin"),
                                        caption="First words", at=utcnow() + timedelta(days=1))
    scheduled.edit_scheduled(membership=fan, share=share, caption="Second words, no tag",
                             at=utcnow() + timedelta(days=2))
    url = sharing.short_url(share.tracked_link.code)
    assert without_link(share.caption, url) == "Second words, no tag #launch #ad"


def test_auto_share_carries_the_members_disclosure(db, network, make, org, fan):
    campaign = make.campaign(org, auto_share=True)
    acct = account(db, fan, "linkedin")
    db.session.add(AutoShareOptIn(org_id=org.id, campaign_id=campaign.id, membership_id=fan.id, account_id=acct.id,
                                  created_at=utcnow() - timedelta(hours=1)))
    make.post(campaign, hashtags="#launch", captions={"linkedin": "Fresh"}, published_at=utcnow())
    db.session.flush()
    assert tasks.auto_share_campaigns() == {"queued": 1, "skipped": 0}
    share = db.session.scalar(sa.select(Share).where(Share.membership_id == fan.id))
    assert without_link(share.caption, sharing.short_url(share.tracked_link.code)) == "Fresh #launch #ad"


@pytest.mark.parametrize("audience,refused", [("everyone", True), ("internal", False)])
def test_a_curators_caption_must_fit_with_every_disclosure_of_its_audience(make, org, audience, refused):
    org.disclosure_external = "#sponsored-by-brasserie-zuid"
    caption = "a" * (280 - 23 - len(" #employee "))  # fits X with the employees' disclosure only
    data = PostInput(title="T", link_url="https://example.com/a", audience=audience, captions={"x": caption})
    errors = {}
    try:
        posts.save_post(org=org, campaign=make.campaign(org), author=None, data=data)
    except posts.ContentError as exc:
        errors = exc.field_errors
    assert ("caption_x" in errors) is refused
    # The editor's counter counts with the disclosure that adds the most.
    previews = {r.network.key: r for r in drafts.caption_previews(
        captions={"x": caption}, hashtags="", disclosures=posts.audience_disclosures(org, audience).values())}
    assert previews["x"].used == posts.shared_length(network="x", caption=caption, hashtags="", disclosure=(
        "#sponsored-by-brasserie-zuid" if audience == "everyone" else "#employee"))
