"""Sharing from a feed card through the member's linked accounts (now, scheduled, queued), auto-share
opt-ins on the feed, the curator's "offer auto-share" checkbox and the queue times on the profile."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from ambassador.models import AutoShareOptIn, Campaign, Share, utcnow

from .account_shares_data import api_share, count_shares, link_account

# Every network counts as configured here.
pytestmark = pytest.mark.usefixtures("providers_enabled")


@pytest.fixture
def linkedin(db, member):
    return link_account(db, member, "linkedin", name="Ann on LinkedIn")


@pytest.fixture
def x(db, member):
    return link_account(db, member, "x", name="Ann on X")


def _share(client, post, accounts, action="share_now", **data):
    form = {"accounts": [str(a.id) for a in accounts], action: "1", **data}
    return client.post(f"/feed/posts/{post.id}/share-through-accounts", data=form)


def _api_shares(db, member):
    return list(db.session.scalars(sa.select(Share).where(Share.membership_id == member.id, Share.method == "api")
                                   .order_by(Share.id)))


# The feed card --------------------------------------------------------------------------------

def test_card_offers_the_members_accounts_with_suggested_captions(client, login, member, post, linkedin, x):
    login(member.user)
    html = client.get("/feed").get_data(as_text=True)
    assert f'action="/feed/posts/{post.id}/share-through-accounts"' in html
    assert f'name="accounts" value="{linkedin.id}"' in html and f'name="accounts" value="{x.id}"' in html
    assert "Ann on LinkedIn" in html and "Ann on X" in html
    assert 'name="caption_linkedin"' in html and ">Our spring menu is here</textarea>" in html
    assert ">Spring menu!</textarea>" in html and 'data-limit="280" data-counter="x"' in html
    for label in ("Share now", "Schedule", "Add to my queue"):
        assert f">{label}</button>" in html
    # The intent buttons are still there.
    assert f"/feed/posts/{post.id}/share/linkedin" in html


def test_card_without_accounts_hints_at_connecting_and_hides_other_members_accounts(client, login, make, db, org,
                                                                                   member, post, app):
    link_account(db, make.member(org), "linkedin", name="Someone else")
    link_account(db, member, "x", status="needs_reconnect", name="Broken X")
    login(member.user)
    html = client.get("/feed").get_data(as_text=True)
    assert "share-through-accounts" not in html and "Someone else" not in html and "Broken X" not in html
    assert "through your own social accounts" in html
    if "accounts.index" in app.view_functions:
        assert 'href="/me/accounts"' in html


# Share now / schedule / queue ------------------------------------------------------------------

def test_share_now_creates_one_scheduled_share_per_account_due_now(client, login, db, member, post, linkedin, x):
    login(member.user)
    before = utcnow()
    response = _share(client, post, [linkedin, x], caption_linkedin="Fresh asparagus", caption_x="Asparagus!")
    assert response.status_code == 303 and response.headers["Location"].endswith("/me/shares")
    shares = _api_shares(db, member)
    assert [(s.account_id, s.network, s.status) for s in shares] == [
        (linkedin.id, "linkedin", "scheduled"), (x.id, "x", "scheduled")]
    for share in shares:
        assert before - timedelta(seconds=1) <= share.scheduled_at <= utcnow()
        assert share.next_attempt_at == share.scheduled_at
        assert "#employee" in share.caption and "/s/" in share.caption  # disclosure and own link kept
    assert shares[0].caption.startswith("Fresh asparagus") and shares[1].caption.startswith("Asparagus!")


def test_schedule_reads_the_time_in_the_members_zone(client, login, db, member, post, linkedin):
    login(member.user)
    # Brussels in winter is UTC+1: 09:30 there is 08:30 UTC.
    response = _share(client, post, [linkedin], "schedule", caption_linkedin="Soon", when="2031-01-15T09:30")
    assert response.status_code == 303
    [share] = _api_shares(db, member)
    assert share.status == "scheduled"
    assert share.scheduled_at == datetime(2031, 1, 15, 8, 30) and share.next_attempt_at == share.scheduled_at


def test_schedule_in_summer_time_and_another_zone(client, login, db, make, org, post):
    member = make.member(org, timezone="America/New_York")
    account = link_account(db, member, "mastodon")
    login(member.user)
    response = _share(client, post, [account], "schedule", caption_mastodon="Hi", when="2031-07-01T18:00")
    assert response.status_code == 303
    assert _api_shares(db, member)[0].scheduled_at == datetime(2031, 7, 1, 22, 0)  # EDT is UTC-4


def test_queue_puts_every_account_in_the_next_free_slot(client, login, db, member, post, linkedin, x):
    member.queue_times = "07:15"
    db.session.flush()
    login(member.user)
    assert _share(client, post, [linkedin, x], "queue", caption_linkedin="Q", caption_x="Q").status_code == 303
    zone = ZoneInfo("Europe/Brussels")
    now_local = datetime.now(zone)
    day = now_local.date() if now_local.time() < time(7, 15) else now_local.date() + timedelta(days=1)
    expected = datetime.combine(day, time(7, 15), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    assert [s.scheduled_at for s in _api_shares(db, member)] == [expected, expected]


def test_a_bad_caption_for_one_of_two_accounts_shares_nothing(client, login, db, member, post, linkedin, x):
    login(member.user)
    response = _share(client, post, [linkedin, x], caption_linkedin="Fine on LinkedIn", caption_x="é" * 300)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Too long for X" in html and "Nothing was shared" in html
    assert ">Fine on LinkedIn</textarea>" in html  # what the member wrote is kept for the next try
    assert count_shares(db, membership_id=member.id) == 0


def test_when_publishing_refuses_the_second_account_the_first_share_is_rolled_back(client, login, db, member,
                                                                                   post, linkedin, x):
    api_share(db, member, post, x)  # already scheduled through X: a second one is refused
    db.session.commit()
    login(member.user)
    response = _share(client, post, [linkedin, x], caption_linkedin="One", caption_x="Two")
    assert response.status_code == 422
    assert "already scheduled or shared" in response.get_data(as_text=True)
    assert [s.account_id for s in _api_shares(db, member)] == [x.id]  # the LinkedIn share was not kept


def test_the_service_itself_keeps_nothing_when_one_account_is_refused(db, member, post, linkedin, x):
    """All or nothing without relying on the caller's rollback: the savepoint is undone inside."""
    from ambassador.services.publishing import feed, linked_shares

    api_share(db, member, post, x)
    with pytest.raises(feed.AccountShareError) as caught:
        linked_shares.share_through_accounts(membership=member, post=post, account_ids=[linkedin.id, x.id],
                                          captions={"linkedin": "One", "x": "Two"}, mode="now")
    assert set(caught.value.field_errors) == {f"account_{x.id}"}
    assert [s.account_id for s in _api_shares(db, member)] == [x.id]


@pytest.mark.parametrize("when, message", [
    ("2001-01-01T10:00", "Choose a time in the future."),
    ("", "Choose a date and time."),
    ("not a time", "Not a valid datetime value."),
])
def test_schedule_needs_a_future_time(client, login, db, member, post, linkedin, when, message):
    login(member.user)
    response = _share(client, post, [linkedin], "schedule", caption_linkedin="Soon", when=when)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count_shares(db, membership_id=member.id) == 0


def test_schedule_before_the_post_expires(client, login, db, make, member, campaign, linkedin):
    post = make.post(campaign, expires_at=utcnow() + timedelta(days=2))
    login(member.user)
    late = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = _share(client, post, [linkedin], "schedule", caption_linkedin="Late", when=late)
    assert response.status_code == 422 and "only live until then" in response.get_data(as_text=True)
    assert count_shares(db, membership_id=member.id) == 0


def test_another_members_account_cannot_be_used(client, login, db, make, org, member, post, linkedin):
    colleague = link_account(db, make.member(org), "x")
    stranger = link_account(db, make.member(make.org()), "x")
    login(member.user)
    for account in (colleague, stranger):
        response = _share(client, post, [linkedin, account], caption_linkedin="Mine", caption_x="Theirs")
        assert response.status_code == 422
        assert "Choose among your connected accounts" in response.get_data(as_text=True)
    assert count_shares(db, method="api") == 0


def test_an_account_needing_reconnect_or_no_account_or_no_action_is_refused(client, login, db, member, post,
                                                                            linkedin):
    broken = link_account(db, member, "x", status="needs_reconnect")
    login(member.user)
    assert _share(client, post, [broken], caption_x="x").status_code == 422
    assert "Choose at least one account" in _share(client, post, [], caption_x="x").get_data(as_text=True)
    no_action = client.post(f"/feed/posts/{post.id}/share-through-accounts", data={"accounts": [str(linkedin.id)]})
    assert no_action.status_code == 422 and "Choose Share now, Schedule or Add to my queue" in no_action.get_data(
        as_text=True)
    assert count_shares(db, method="api") == 0


def test_a_post_that_is_not_live_for_the_member_is_404(client, login, db, make, member, campaign, linkedin):
    expired = make.post(campaign, expires_at=utcnow() - timedelta(minutes=1))
    elsewhere = make.post(make.campaign(make.org()))
    login(member.user)
    for post in (expired, elsewhere):
        assert _share(client, post, [linkedin], caption_linkedin="x").status_code == 404
    assert count_shares(db, method="api") == 0


# Auto-share opt-in from the feed ---------------------------------------------------------------

def test_auto_share_panel_opt_in_and_out(client, login, db, make, org, member, post, campaign, linkedin, x):
    campaign.auto_share = True
    db.session.flush()
    login(member.user)
    html = client.get("/feed").get_data(as_text=True)
    assert "Auto-share this campaign through:" in html and f'id="autoshare-{campaign.id}"' in html
    response = client.post(f"/feed/campaigns/{campaign.id}/auto-share",
                           data={"accounts": [str(linkedin.id), str(x.id)]})
    assert response.status_code == 303

    def opted():
        return sorted(db.session.scalars(sa.select(AutoShareOptIn.account_id).where(
            AutoShareOptIn.membership_id == member.id, AutoShareOptIn.campaign_id == campaign.id)))

    assert opted() == sorted([linkedin.id, x.id])
    client.post(f"/feed/campaigns/{campaign.id}/auto-share", data={"accounts": [str(x.id)]})
    assert opted() == [x.id]
    client.post(f"/feed/campaigns/{campaign.id}/auto-share", data={})
    assert opted() == []


def test_auto_share_only_where_offered_and_only_own_accounts(client, login, db, make, org, member, campaign,
                                                            linkedin):
    other_org = make.org()
    foreign = make.campaign(other_org, auto_share=True)
    login(member.user)
    # Not offered by the curator, or another organization's campaign: not found.
    assert client.post(f"/feed/campaigns/{campaign.id}/auto-share",
                       data={"accounts": [str(linkedin.id)]}).status_code == 404
    assert client.post(f"/feed/campaigns/{foreign.id}/auto-share",
                       data={"accounts": [str(linkedin.id)]}).status_code == 404
    campaign.auto_share = True
    colleague_account = link_account(db, make.member(org), "x")
    db.session.commit()
    client.post(f"/feed/campaigns/{campaign.id}/auto-share", data={"accounts": [str(colleague_account.id)]})
    assert db.session.scalar(sa.select(sa.func.count(AutoShareOptIn.id))) == 0


# The curator's checkbox and the member's queue times -------------------------------------------

def test_curator_offers_auto_share_on_a_campaign(client, login, db, make, org):
    curator = make.member(org, role="curator")
    login(curator.user)
    assert "Offer auto-share" in client.get("/campaigns/new").get_data(as_text=True)
    response = client.post("/campaigns/new", data={"title": "Auto spring", "status": "active", "auto_share": "y"})
    assert response.status_code == 302
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title == "Auto spring"))
    assert campaign.auto_share is True
    edit_page = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert '<input aria-describedby="auto_share-help" checked id="auto_share"' in edit_page
    client.post(f"/campaigns/{campaign.id}/edit", data={"title": "Auto spring", "status": "active"})
    db.session.refresh(campaign)
    assert campaign.auto_share is False


def test_profile_saves_queue_times_sorted_and_refuses_bad_ones(client, login, db, member):
    login(member.user)
    assert 'value="08:30,12:15,17:45"' in client.get("/profile").get_data(as_text=True)
    data = {"name": "Ann", "locale": "", "timezone": "Europe/Brussels"}
    assert client.post("/profile", data={**data, "queue_times": "17:45, 7:05,17:45"}).status_code == 302
    db.session.refresh(member)
    assert member.queue_times == "07:05,17:45"
    for bad in ("25:00", "8h30", "", "08:30;12:00"):
        response = client.post("/profile", data={**data, "queue_times": bad})
        assert response.status_code == 200 and "field__error" in response.get_data(as_text=True)
        db.session.refresh(member)
        assert member.queue_times == "07:05,17:45"
