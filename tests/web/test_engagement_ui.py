"""Engagement on "My shares" and potential reach on "My accounts": figures as the network reported them,
what it does not give written plainly, unknown never shown as 0."""
from __future__ import annotations

import re

import pytest

from ambassador.models import ShareEngagement, utcnow

from .account_shares_data import api_share, link_account

pytestmark = pytest.mark.usefixtures("providers_enabled")


def _published(db, make, member, campaign, account, title: str, **figures):
    share = api_share(db, member, make.post(campaign, title=title), account, status="published",
                      published_at=utcnow(), external_id=f"ext-{title}")
    if figures:
        db.session.add(ShareEngagement(share_id=share.id, org_id=share.org_id, **figures))
        db.session.flush()
    return share


def _card(html: str, share) -> str:
    return html.split(f'id="share-{share.id}"', 1)[1].split("</li>", 1)[0]


def test_my_shares_shows_what_each_network_reported(client, login, db, make, member, campaign):
    x = link_account(db, member, "x")
    x.followers_count = 1234
    db.session.flush()
    linkedin = link_account(db, member, "linkedin")
    read = _published(db, make, member, campaign, x, "Read", likes=12, reposts=3, replies=1, quotes=0,
                      impressions=None, fetched_at=utcnow())
    pending = _published(db, make, member, campaign, x, "Pending", next_fetch_at=utcnow())
    gone = _published(db, make, member, campaign, x, "Gone", likes=4, reposts=0, replies=0, quotes=0,
                      fetched_at=utcnow(), deleted_at=utcnow())
    unreported = _published(db, make, member, campaign, linkedin, "Unreported")
    login(member.user)
    html = client.get("/me/shares").get_data(as_text=True)

    card = _card(html, read)
    assert f'aria-labelledby="engagement-{read.id}"' in card and "Engagement on X" in card
    figures = dict(re.findall(r"<dt>(\w+)</dt><dd>(.*?)</dd>", card))
    assert figures["Likes"] == "12" and figures["Reposts"] == "3" and figures["Quotes"] == "0"
    assert "not reported" in figures["Impressions"]  # X gave none here: unknown, not 0
    assert "Potential reach: 1,234 followers" in card

    assert "Not read from X yet" in _card(html, pending)
    deleted = _card(html, gone)
    assert "Deleted on X" in deleted and "not counted as zero" in deleted
    assert "LinkedIn does not report engagement for this account." in _card(html, unreported)


def test_other_organizations_figures_never_show(client, login, db, make, member, campaign):
    x = link_account(db, member, "x")
    mine = _published(db, make, member, campaign, x, "Mine", likes=2, fetched_at=utcnow())
    stranger = make.member(make.org())
    theirs = _published(db, make, stranger, make.campaign(stranger.organization), link_account(db, stranger, "x"),
                        "Theirs", likes=999, fetched_at=utcnow())
    login(member.user)
    html = client.get("/me/shares").get_data(as_text=True)
    html = re.sub(r'name="csrf_token" value="[^"]*"', "", html)  # a random token may hold "999" (it once did)
    assert "Mine" in html and f'id="share-{theirs.id}"' not in html and "999" not in html
    assert mine.id != theirs.id


def test_my_accounts_shows_potential_reach_or_says_it_is_unknown(client, login, db, member):
    x = link_account(db, member, "x", name="Ann on X")
    x.followers_count, x.followers_fetched_at = 1500, utcnow()
    link_account(db, member, "mastodon", name="Ann on Mastodon")  # not read yet
    link_account(db, member, "linkedin", name="Ann on LinkedIn")
    login(member.user)
    html = client.get("/me/accounts").get_data(as_text=True)
    rows = {name: html.split(name, 1)[1].split("</li>", 1)[0] for name in ("Ann on X", "Ann on Mastodon",
                                                                           "Ann on LinkedIn")}
    assert "Potential reach: 1,500 followers" in rows["Ann on X"]
    assert "Potential reach: unknown" in rows["Ann on Mastodon"] and "0 followers" not in rows["Ann on Mastodon"]
    assert "Potential reach: unknown" in rows["Ann on LinkedIn"]
    assert "LinkedIn does not give a follower count for this account" in rows["Ann on LinkedIn"]


def test_potential_reach_in_the_members_language(client, login, db, member):
    member.user.locale = "fr"
    x = link_account(db, member, "x", name="Ann on X")
    x.followers_count = 1500
    db.session.flush()
    login(member.user)
    html = client.get("/me/accounts").get_data(as_text=True)
    assert "1\u202f500" in html or "1\xa0500" in html  # French groups thousands with a (narrow) space
