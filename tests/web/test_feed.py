"""The feed, the share endpoint and "My activity" through the test client."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from ambassador.models import PointsEntry, Share, TrackedLink, utcnow
from ambassador.services.publishing import linked_shares

from .account_shares_data import link_account


@pytest.fixture
def org(make):
    return make.org(name="Brasserie Zuid", disclosure="#employee")


@pytest.fixture
def campaign(make, org):
    return make.campaign(org, title="Spring menu")


@pytest.fixture
def member(make, org):
    return make.member(org)


@pytest.fixture
def post(make, campaign):
    return make.post(campaign, title="New spring menu", preview_title="Spring at Zuid",
                     preview_description="Asparagus season", link_url="https://www.zuid.example/menu",
                     captions={"linkedin": "Our spring menu is here", "x": "Spring menu!"})


def _count(db, model, **where):
    return db.session.scalar(sa.select(sa.func.count(model.id)).filter_by(**where))


def test_feed_needs_login(client):
    response = client.get("/feed")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_feed_shows_cards_with_preview_captions_counters_and_share_forms(client, login, member, post):
    login(member.user)
    html = client.get("/feed").get_data(as_text=True)
    assert "New spring menu" in html and "Spring at Zuid" in html and "Asparagus season" in html
    assert "zuid.example" in html and "Spring menu" in html
    assert ">Spring menu!</textarea>" in html and 'data-limit="280" data-counter="x"' in html
    assert f'action="/feed/posts/{post.id}/share/linkedin"' in html
    for network in ("x", "facebook", "whatsapp", "xing", "bluesky", "email", "copy"):
        assert f"/feed/posts/{post.id}/share/{network}" in html
    assert "does not allow prefilled text" in html and "earns no points" in html
    assert "#employee" in html
    assert 'target="_blank" rel="noopener noreferrer"' in html
    assert "https://www.zuid.example/menu" in html  # the preview links to the article, sharing never does


def test_a_fans_share_card_and_share_carry_the_external_disclosure(client, login, db, make, org, post):
    org.disclosure_external = "#partner"
    fan = make.member(org, kind="external")
    login(fan.user)
    html = client.get("/feed").get_data(as_text=True)
    assert "#employee" not in html
    assert "the disclosure #partner and your own short link" in html
    assert "<q>Spring menu! #partner</q>" in html  # the text that goes out, on the card
    response = client.post(f"/feed/posts/{post.id}/share/x", data={"caption": "Spring menu, without a tag"})
    text = parse_qs(urlsplit(response.headers["Location"]).query)["text"][0]
    assert text.startswith("Spring menu, without a tag #partner http://localhost/s/")


def test_feed_lists_nothing_of_another_organization(client, login, make, post):
    outsider = make.member(make.org())
    login(outsider.user)
    html = client.get("/feed").get_data(as_text=True)
    assert "New spring menu" not in html and "Nothing to share right now" in html


def test_feed_filter_by_campaign_and_pages(client, login, make, org, member, campaign, app):
    other = make.campaign(org, title="Summer terrace")
    now = utcnow()
    summer = make.post(other, title="Terrace opens", published_at=now)
    older = [make.post(campaign, title=f"Spring dish {i}", published_at=now - timedelta(hours=i + 1))
             for i in range(app.config["POSTS_PER_PAGE"])]
    login(member.user)
    first = client.get("/feed").get_data(as_text=True)
    assert "Terrace opens" in first and older[-1].title not in first and "Page 1 of 2" in first
    assert older[-1].title in client.get("/feed?page=2").get_data(as_text=True)
    filtered = client.get(f"/feed?campaign={other.id}").get_data(as_text=True)
    assert summer.title in filtered and "Spring dish 0" not in filtered
    # An unknown campaign is ignored rather than an error.
    assert client.get("/feed?campaign=999999").status_code == 200


def test_share_redirects_to_the_intent_with_the_short_link(client, login, db, member, post):
    login(member.user)
    response = client.post(f"/feed/posts/{post.id}/share/x", data={"caption": "Spring menu!"})
    assert response.status_code == 303
    target = response.headers["Location"]
    assert target.startswith("https://x.com/intent/tweet?")
    link = db.session.scalar(sa.select(TrackedLink).where(TrackedLink.membership_id == member.id))
    text = parse_qs(urlsplit(target).query)["text"][0]
    assert text == f"Spring menu! #employee http://localhost/s/{link.code}"
    share = db.session.scalar(sa.select(Share).where(Share.membership_id == member.id))
    assert share.caption == text and share.tracked_link_id == link.id and share.status == "shared"
    assert _count(db, PointsEntry, membership_id=member.id) == 1


def test_facebook_share_has_no_text_and_no_points(client, login, db, member, post):
    login(member.user)
    response = client.post(f"/feed/posts/{post.id}/share/facebook", data={})
    assert response.status_code == 303
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert set(query) == {"u"} and "/s/" in query["u"][0]
    assert _count(db, Share, membership_id=member.id) == 1
    assert _count(db, PointsEntry, membership_id=member.id) == 0


def test_email_share_is_a_mailto(client, login, member, post):
    login(member.user)
    response = client.post(f"/feed/posts/{post.id}/share/email", data={"caption": "For you"})
    assert response.status_code == 303 and response.headers["Location"].startswith("mailto:?subject=Spring")


def test_copy_link_shows_the_short_link_to_copy(client, login, db, member, post):
    login(member.user)
    response = client.post(f"/feed/posts/{post.id}/share/copy", data={"caption": "Look"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    link = db.session.scalar(sa.select(TrackedLink).where(TrackedLink.membership_id == member.id))
    html = page.get_data(as_text=True)
    assert "Shared via Copy link" in html and "+5 points" in html  # the page confirms it, like the card
    assert f'data-copy="http://localhost/s/{link.code}"' in html
    assert "Look #employee http://localhost/s/" in html


def test_someone_elses_share_page_is_404(client, login, make, org, member, post):
    login(member.user)
    location = client.post(f"/feed/posts/{post.id}/share/copy", data={}).headers["Location"]
    client.post("/logout")
    login(make.member(org).user)
    assert client.get(location).status_code == 404


def test_caption_too_long_shows_the_message_and_writes_nothing(client, login, db, member, post):
    login(member.user)
    response = client.post(f"/feed/posts/{post.id}/share/x", data={"caption": "a" * 300})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Too long for X" in html and "the limit is 280" in html and 'aria-invalid="true"' in html
    assert "a" * 300 in html  # the text is kept for editing
    assert _count(db, Share) == 0 and _count(db, TrackedLink) == 0 and _count(db, PointsEntry) == 0


@pytest.mark.parametrize("change", ["expired", "archived_campaign", "other_team", "internal_for_external",
                                    "draft"])
def test_posts_no_longer_live_cannot_be_shared(client, login, db, make, org, post, change):
    member = make.member(org, kind="external" if change == "internal_for_external" else "internal")
    if change == "expired":
        post.expires_at = utcnow() - timedelta(minutes=1)
    elif change == "archived_campaign":
        post.campaign.status = "archived"
    elif change == "other_team":
        post.teams = [make.team(org)]
    elif change == "internal_for_external":
        post.audience = "internal"
    else:
        post.status = "draft"
    db.session.flush()
    login(member.user)
    assert client.post(f"/feed/posts/{post.id}/share/x", data={"caption": "hi"}).status_code == 404
    assert _count(db, Share) == 0


def test_a_member_of_another_org_cannot_share_this_orgs_post(client, login, db, make, post):
    outsider = make.member(make.org())
    login(outsider.user)
    assert client.post(f"/feed/posts/{post.id}/share/linkedin", data={"caption": "hi"}).status_code == 404
    assert _count(db, Share) == 0 and _count(db, TrackedLink) == 0


def test_unknown_network_is_404(client, login, member, post):
    login(member.user)
    assert client.post(f"/feed/posts/{post.id}/share/myspace", data={"caption": "hi"}).status_code == 404


def test_share_needs_post(client, login, member, post):
    login(member.user)
    assert client.get(f"/feed/posts/{post.id}/share/x").status_code == 405


def test_my_activity_shows_shares_points_and_rank(client, login, db, make, org, member, post):
    leader = make.member(org)
    login(member.user)
    client.post(f"/feed/posts/{post.id}/share/x", data={"caption": "one"})
    client.post(f"/feed/posts/{post.id}/share/x", data={"caption": "two"})
    client.post(f"/feed/posts/{post.id}/share/facebook", data={})
    db.session.add(PointsEntry(org_id=org.id, membership_id=leader.id, points=100, reason="adjustment",
                               day=utcnow().date()))
    db.session.flush()
    html = client.get("/me/activity").get_data(as_text=True)
    assert 'data-stat="points">5<' in html
    assert 'data-stat="shares">3<' in html
    assert 'data-stat="clicks">0<' in html
    assert 'data-stat="rank">#2<' in html
    assert html.count("New spring menu") >= 3 and "Facebook" in html and "+5" in html


def test_my_activity_when_empty(client, login, member):
    login(member.user)
    html = client.get("/me/activity").get_data(as_text=True)
    assert "You have not shared anything yet" in html and 'data-stat="rank">–<' in html


# Share feedback on the card -----------------------------------------------------------------------


def _card(html: str, post_id: int) -> str:
    start = html.index(f'id="post-{post_id}"')
    return html[start:html.index("</article>", start)]


def test_a_card_says_not_shared_yet_then_shared_with_network_time_and_points(client, login, db, member, post):
    login(member.user)
    card = _card(client.get("/feed").get_data(as_text=True), post.id)
    assert "Not shared yet" in card and "Shared on" not in card
    client.post(f"/feed/posts/{post.id}/share/linkedin", data={"caption": "Our spring menu is here"})
    card = _card(client.get("/feed").get_data(as_text=True), post.id)
    assert "Not shared yet" not in card
    assert "Shared on LinkedIn" in card and "+5 points" in card
    assert "Each click on your link earns 1 point." in card
    share = db.session.scalar(sa.select(Share).where(Share.membership_id == member.id))
    assert f'datetime="{share.created_at.isoformat()}Z"' in card and f'data-latest="{share.id}"' in card


def test_without_script_the_share_comes_back_to_the_card_with_the_next_step(client, login, db, member, post):
    login(member.user)
    response = client.post(f"/feed/posts/{post.id}/share/linkedin",
                           data={"caption": "Our spring menu is here", "then": "card"})
    assert response.status_code == 303
    share = db.session.scalar(sa.select(Share).where(Share.membership_id == member.id))
    assert response.headers["Location"] == f"/feed?shared={share.id}#post-{post.id}"
    card = _card(client.get(response.headers["Location"]).get_data(as_text=True), post.id)
    assert "Shared on LinkedIn" in card and "+5 points" in card
    assert "Continue on LinkedIn" in card and 'href="https://www.linkedin.com/sharing/share-offsite/?url=' in card
    # LinkedIn takes only the link: the text to paste there is on the card.
    assert f"Our spring menu is here #employee http://localhost/s/{share.tracked_link.code}</textarea>" in card


def test_the_share_form_comes_back_to_the_card_unless_the_script_takes_over(client, login, member, post):
    login(member.user)
    html = client.get("/feed").get_data(as_text=True)
    assert html.count('<input type="hidden" name="then" value="card">') == 7  # every network with a share page
    assert 'src="/static/js/share_status.js"' in html


def test_someone_elses_share_gives_no_receipt(client, login, make, org, post):
    colleague = make.member(org)
    login(colleague.user)
    location = client.post(f"/feed/posts/{post.id}/share/linkedin", data={"then": "card"}).headers["Location"]
    client.post("/logout")
    login(make.member(org).user)
    card = _card(client.get(location).get_data(as_text=True), post.id)
    assert "Continue on LinkedIn" not in card and "Not shared yet" in card


def test_the_status_fragment_follows_the_share(client, login, db, make, member, post):
    login(member.user)
    before = client.get(f"/feed/posts/{post.id}/shares")
    assert before.status_code == 200 and 'data-latest="0"' in before.get_data(as_text=True)
    client.post(f"/feed/posts/{post.id}/share/facebook", data={})
    html = client.get(f"/feed/posts/{post.id}/shares").get_data(as_text=True)
    assert "Shared on Facebook" in html and "rules forbid rewards" in html and "point" not in html.split("rewards")[1]
    assert "<html" not in html  # a fragment, not a page
    other = make.post(make.campaign(make.org()))
    assert client.get(f"/feed/posts/{other.id}/shares").status_code == 404


def test_feed_order_not_shared_yet_first_is_remembered(client, login, make, member, campaign, post):
    newer = make.post(campaign, title="Terrace opens", published_at=utcnow())
    login(member.user)
    client.post(f"/feed/posts/{newer.id}/share/x", data={"caption": "Terrace!"})
    html = client.get("/feed").get_data(as_text=True)
    assert html.index("Terrace opens") < html.index("New spring menu")
    html = client.get("/feed?order=unshared").get_data(as_text=True)
    assert html.index("New spring menu") < html.index("Terrace opens")
    assert '<option selected value="unshared">' in html
    html = client.get("/feed").get_data(as_text=True)  # remembered
    assert html.index("New spring menu") < html.index("Terrace opens")
    html = client.get("/feed?order=newest").get_data(as_text=True)
    assert html.index("Terrace opens") < html.index("New spring menu")
    assert client.get("/feed?order=nonsense").status_code == 200  # ignored, not an error


def test_a_scheduled_share_shows_on_the_card_with_the_points_it_will_earn(client, login, db, member, post):
    account = link_account(db, member, "mastodon")
    linked_shares.create_api_share(membership=member, post=post, account=account, caption=None,
                                   at=utcnow() + timedelta(days=1))
    login(member.user)
    card = _card(client.get("/feed").get_data(as_text=True), post.id)
    assert "Planned for Mastodon" in card and "will earn 5 points when it goes out" in card
