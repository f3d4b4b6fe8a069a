"""/me/shares: the member's API shares by state, and what they may do with each (edit, cancel,
confirm, discard), scoped to the member and the organization."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import Share, utcnow
from ambassador.services.publishing import scheduled, sharing

from .account_shares_data import api_share, link_account

# Every network counts as configured here.
pytestmark = pytest.mark.usefixtures("providers_enabled")


@pytest.fixture
def linkedin(db, member):
    return link_account(db, member, "linkedin", name="Ann on LinkedIn")


@pytest.fixture
def soon(db, member, post, linkedin):
    """A share scheduled for 15 January 2031, 08:30 UTC (09:30 in Brussels)."""
    return api_share(db, member, post, linkedin, at=datetime(2031, 1, 15, 8, 30))


def _reload(db, share):
    db.session.expire_all()
    return db.session.get(Share, share.id)


def test_page_lists_shares_by_state_with_what_to_do(client, login, db, make, member, campaign, linkedin, soon):
    posts = [make.post(campaign, title=f"Dish {i}") for i in range(5)]
    api_share(db, member, posts[0], linkedin, status="published", published_at=utcnow(),
              external_url="https://www.linkedin.example/feed/update/1")
    api_share(db, member, posts[1], linkedin, status="failed", error="The network said: duplicate post",
              error_kind="rejected")
    api_share(db, member, posts[2], linkedin, status="failed", error="Token revoked", error_kind="reauth")
    api_share(db, member, posts[3], linkedin, status="unconfirmed")
    api_share(db, member, posts[4], linkedin, status="canceled")
    login(member.user)
    html = client.get("/me/shares").get_data(as_text=True)
    assert "New spring menu" in html and all(p.title in html for p in posts)
    assert "Goes out Jan 15, 2031, 9:30\u202fAM" in html  # in the member's zone (Brussels, UTC+1 in winter)
    assert f'href="/me/shares/{soon.id}/edit"' in html and f'action="/me/shares/{soon.id}/cancel"' in html
    assert 'href="https://www.linkedin.example/feed/update/1"' in html
    assert "The network said: duplicate post" in html and "Edit the caption and share the post again" in html
    assert "Token revoked" in html and "The account needs reconnecting." in html
    assert "may or may not have posted this" in html and ">It was posted</button>" in html
    assert ">It was not posted</button>" in html
    published = client.get("/me/shares?state=published").get_data(as_text=True)
    assert "Dish 0" in published and "New spring menu" not in published and "Dish 1" not in published


def test_page_shows_only_the_members_own_api_shares(client, login, db, make, org, member, post, soon):
    colleague = make.member(org)
    api_share(db, colleague, make.post(post.campaign, title="Colleague's post"), link_account(db, colleague, "x"))
    outsider = make.member(make.org())
    sharing.share_post(membership=member, post=make.post(post.campaign, title="Intent only"), network="x",
                       caption="hi")
    login(member.user)
    html = client.get("/me/shares").get_data(as_text=True)
    assert "New spring menu" in html and "Colleague's post" not in html and "Intent only" not in html
    client.post("/logout")
    login(outsider.user)
    assert "New spring menu" not in client.get("/me/shares").get_data(as_text=True)


def test_cancel_a_scheduled_share(client, login, db, member, soon):
    login(member.user)
    response = client.post(f"/me/shares/{soon.id}/cancel")
    assert response.status_code == 303
    assert _reload(db, soon).status == "canceled"
    # Canceling again: nothing to cancel, said so, nothing changes.
    follow = client.post(f"/me/shares/{soon.id}/cancel", follow_redirects=True)
    assert "Only a share that is still waiting can be canceled" in follow.get_data(as_text=True)


def test_confirm_and_discard_an_unconfirmed_share(client, login, db, make, member, campaign, linkedin):
    first = api_share(db, member, make.post(campaign), linkedin, status="unconfirmed")
    second = api_share(db, member, make.post(campaign), linkedin, status="unconfirmed")
    login(member.user)
    bad = client.post(f"/me/shares/{first.id}/confirm", data={"url": "javascript://x.example/%0aalert(1)"},
                      follow_redirects=True)
    assert "starting with https://" in bad.get_data(as_text=True) and _reload(db, first).status == "unconfirmed"
    client.post(f"/me/shares/{first.id}/confirm", data={"url": "https://www.linkedin.example/p/9"})
    confirmed = _reload(db, first)
    assert confirmed.status == "published" and confirmed.external_url == "https://www.linkedin.example/p/9"
    client.post(f"/me/shares/{second.id}/discard")
    assert _reload(db, second).status == "failed"


def test_edit_a_scheduled_share_in_the_members_zone(client, login, db, member, soon):
    login(member.user)
    page = client.get(f"/me/shares/{soon.id}/edit").get_data(as_text=True)
    assert 'value="2031-01-15T09:30"' in page and ">Our spring menu is here #employee</textarea>" in page
    response = client.post(f"/me/shares/{soon.id}/edit", data={"caption": "Asparagus time", "when": "2031-02-01T18:00"})
    assert response.status_code == 303
    share = _reload(db, soon)
    assert share.scheduled_at == share.next_attempt_at == datetime(2031, 2, 1, 17, 0)
    url = sharing.short_url(share.tracked_link.code)
    assert share.caption == f"Asparagus time #employee {url}" and share.status == "scheduled"


@pytest.mark.parametrize("data, message", [
    ({"caption": "x" * 3001, "when": "2031-02-01T18:00"}, "Too long for LinkedIn"),
    ({"caption": "Fine", "when": "2001-02-01T18:00"}, "Choose a time in the future."),
])
def test_edit_refuses_bad_input_and_changes_nothing(client, login, db, member, soon, data, message):
    before = (soon.caption, soon.scheduled_at)
    login(member.user)
    response = client.post(f"/me/shares/{soon.id}/edit", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    share = _reload(db, soon)
    assert (share.caption, share.scheduled_at) == before


def test_edit_is_refused_once_a_worker_took_the_share(client, login, db, member, soon):
    login(member.user)
    db.session.execute(sa.update(Share).where(Share.id == soon.id).values(status="publishing"))
    db.session.commit()
    response = client.post(f"/me/shares/{soon.id}/edit", data={"caption": "Too late", "when": "2031-02-01T18:00"},
                           follow_redirects=True)
    assert "no longer scheduled" in response.get_data(as_text=True)
    assert "Too late" not in _reload(db, soon).caption


def test_the_conditional_update_loses_cleanly_to_a_worker_claim(db, member, soon):
    """The member's page read "scheduled"; a worker claims the row before the edit is written."""
    assert soon.status == "scheduled"
    db.session.execute(sa.update(Share).where(Share.id == soon.id).values(status="publishing")
                       .execution_options(synchronize_session=False))
    assert soon.status == "scheduled"  # what the edit still believes
    with pytest.raises(scheduled.EditError) as caught:
        scheduled.edit_scheduled(membership=member, share=soon, caption="Mine", at=datetime(2031, 3, 1, 9, 0))
    assert "already going out" in str(caught.value.field_errors["share"])
    share = _reload(db, soon)
    assert share.status == "publishing" and share.scheduled_at == datetime(2031, 1, 15, 8, 30)
    assert not share.caption.startswith("Mine")


def test_another_member_or_organization_gets_404(client, login, db, make, org, member, post, soon):
    intent = sharing.share_post(membership=member, post=post, network="x", caption="hi").share
    db.session.commit()
    for other in (make.member(org), make.member(make.org())):
        login(other.user)
        assert client.get(f"/me/shares/{soon.id}/edit").status_code == 404
        for action in ("cancel", "confirm", "discard", "edit"):
            assert client.post(f"/me/shares/{soon.id}/{action}").status_code == 404
        client.post("/logout")
    assert _reload(db, soon).status == "scheduled"
    login(member.user)
    assert client.post(f"/me/shares/{intent.id}/cancel").status_code == 404  # not an API share


def test_nav_links_to_my_shares(client, login, member):
    login(member.user)
    assert 'href="/me/shares"' in client.get("/feed").get_data(as_text=True)


def test_shares_scheduled_for_after_expiry_cannot_be_moved_past_it(client, login, db, make, member, campaign,
                                                                  linkedin):
    post = make.post(campaign, expires_at=utcnow() + timedelta(days=2))
    share = api_share(db, member, post, linkedin, at=utcnow() + timedelta(days=1))
    login(member.user)
    late = (utcnow() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/me/shares/{share.id}/edit", data={"caption": "x", "when": late})
    assert response.status_code == 422 and "only live until then" in response.get_data(as_text=True)


def test_the_editable_caption_drops_the_members_link_whatever_host_it_was_stored_with(db, soon):
    soon.caption = f"Spring is here #employee https://old-host.example/s/{soon.tracked_link.code}"
    assert scheduled.editable_caption(soon) == "Spring is here #employee"
    soon.caption = "No link at the end https://elsewhere.example/page"
    assert scheduled.editable_caption(soon) == soon.caption


def test_waiting_shares_come_first_soonest_first_then_the_rest_newest_first(db, make, member, campaign, linkedin):
    late = api_share(db, member, make.post(campaign, title="Late"), linkedin, at=datetime(2032, 1, 1))
    early = api_share(db, member, make.post(campaign, title="Early"), linkedin, at=datetime(2031, 6, 1))
    done = api_share(db, member, make.post(campaign, title="Done"), linkedin, status="published",
                     created_at=utcnow() - timedelta(days=1))
    newer_failed = api_share(db, member, make.post(campaign, title="Failed"), linkedin, status="failed")
    page = scheduled.shares_page(membership=member, state=None, page=1, per_page=10)
    assert [s.id for s in page.items] == [early.id, late.id, newer_failed.id, done.id]


def test_every_post_form_of_the_feed_and_my_shares_carries_csrf(app, client, login, db, make, member, post,
                                                                 campaign, linkedin, soon, monkeypatch):
    from .test_crawl import _PageParser

    campaign.auto_share = True
    api_share(db, member, make.post(campaign), linkedin, status="unconfirmed")
    db.session.commit()
    login(member.user)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for path in ("/feed", "/me/shares", f"/me/shares/{soon.id}/edit"):
        parser = _PageParser()
        parser.feed(client.get(path).get_data(as_text=True))
        posts = [f for f in parser.forms if f["method"] == "post"]
        assert posts and all("csrf_token" in f["inputs"] for f in posts), path
