"""The one URL builder (infra/urls.py): absolute over PUBLIC_BASE_URL, in a request or not, never relative."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ambassador.infra.urls import BaseUrlMissing, absolute_url, base_url_problem
from ambassador.models import OutboxEmail, PostCaption
from ambassador.services.org import invitations
from ambassador.services.publishing import sharing, tracked_links

from ..services.publishing.fakes import account, due_share


@pytest.fixture
def outside_a_request(app):
    """The suite's app context without a request, like the worker's and the CLI's."""
    from flask import has_request_context

    assert not has_request_context()
    return app


def test_endpoints_and_paths_outside_a_request(outside_a_request, monkeypatch):
    monkeypatch.setitem(outside_a_request.config, "PUBLIC_BASE_URL", "https://amb.example.org")
    assert absolute_url("links.follow", code="Ab3") == "https://amb.example.org/s/Ab3"
    assert absolute_url("accounts.callback", provider_name="x") == "https://amb.example.org/me/accounts/callback/x"
    assert absolute_url("/me/accounts") == "https://amb.example.org/me/accounts"
    assert absolute_url("accounts.index", _anchor="x") == "https://amb.example.org/me/accounts#x"


def test_a_base_with_a_path_prefix_is_kept(outside_a_request, monkeypatch):
    monkeypatch.setitem(outside_a_request.config, "PUBLIC_BASE_URL", "https://example.org/ambassador/")
    assert sharing.short_url("Ab3") == "https://example.org/ambassador/s/Ab3"
    assert invitations.invitation_link("tok") == "https://example.org/ambassador/invite/tok"


@pytest.mark.parametrize("unusable", ["", None, "/", "amb.example.org"])
def test_without_a_usable_base_there_is_no_link_rather_than_a_relative_one(outside_a_request, monkeypatch, unusable):
    """The worker used to publish "/s/<code>" when PUBLIC_BASE_URL was unset (F-12, the Bluesky refusal)."""
    monkeypatch.setitem(outside_a_request.config, "PUBLIC_BASE_URL", unusable)
    with pytest.raises(BaseUrlMissing, match="PUBLIC_BASE_URL"):
        sharing.short_url("Ab3")
    with pytest.raises(BaseUrlMissing):
        tracked_links.placeholder_short_url()


@pytest.mark.parametrize("value, ok", [
    ("https://amb.example.org", True), ("http://127.0.0.1:5000", True), ("https://example.org/amb/", True),
    ("", False), ("/s", False), ("amb.example.org", False), ("ftp://amb.example.org", False), ("https://", False),
    ("https://amb.example.org/?a=1", False), ("https://amb.example.org/#x", False),
    ("https://user:pw@amb.example.org", False), ("https://amb.example.org:99999", False),
])
def test_what_counts_as_a_public_base_url(value, ok):
    assert (base_url_problem(value) is None) is ok


def test_a_forged_host_header_never_reaches_an_email(client, make, db, app, monkeypatch):
    """Password-reset links used to follow the request's Host when PUBLIC_BASE_URL was unset."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://amb.example.org")
    user = make.member(make.org()).user
    client.post("/password/forgot", data={"email": user.email}, headers={"Host": "evil.example"})
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == user.email))
    assert "https://amb.example.org/password/reset/" in mail.body_text and "evil.example" not in mail.body_text


def test_a_share_stored_with_a_relative_or_old_link_goes_out_with_the_current_one(db, network, member, post,  # noqa: F811
                                                                                    app, monkeypatch):
    share = due_share(member, post, account(db, member, "x"), caption="Look")
    code = share.tracked_link.code
    assert sharing.text_with_current_link(share) == share.caption == f"Look #launch #employee http://localhost/s/{code}"
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://amb.example.org")
    for stored in (f"Look #launch #employee /s/{code}", f"Look #launch #employee http://localhost/s/{code}"):
        share.caption = stored
        assert sharing.text_with_current_link(share) == f"Look #launch #employee https://amb.example.org/s/{code}"
    share.caption = "Someone else's https://other.example/s/abc"  # not this share's link: left alone
    assert sharing.text_with_current_link(share) == share.caption


def test_a_share_is_in_the_posts_then_the_members_then_the_organizations_language(db, network, member,  # noqa: F811
                                                                                   post):
    share = due_share(member, post, account(db, member, "bluesky"))
    assert {c.lang for c in post.captions} == {"en"}
    member.organization.default_locale = "nl"
    member.user.locale = None
    assert sharing.share_language(share) == "en"  # the words the member got are English
    post.captions.append(PostCaption(network="x", lang="nl", text="Kijk"))
    assert sharing.share_language(share) == "nl"
    member.user.locale = "fr"  # no French words: the organization's Dutch ones
    assert sharing.share_language(share) == "nl"
    post.captions.clear()  # no words at all: the member's language, else the organization's
    member.organization.default_locale = "??"
    member.user.locale = "nl_BE"  # a Babel locale name becomes a BCP-47 tag
    assert sharing.share_language(share) == "nl-BE"
    member.user.locale = ""
    assert sharing.share_language(share) == ""  # nothing usable: no langs rather than a wrong one
