"""Post service: links, hashtags, caption limits counting disclosure + link, windows, images."""
import io
import os
from datetime import datetime

import pytest
from werkzeug.datastructures import FileStorage

from ambassador import networks
from ambassador.infra import uploads
from ambassador.infra.urls import BaseUrlMissing
from ambassador.models import Post
from ambassador.services.content import posts
from ambassador.services.content.campaigns import ContentError
from ambassador.services.content.posts import PostInput
from ambassador.services.publishing import tracked_links

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
SHORT = "http://localhost/s/xxxxxxxxxx"  # PUBLIC_BASE_URL of the test config + /s/ + 10


@pytest.fixture(autouse=True)
def request_context(app):
    # Messages are lazily translated; turning them into text needs a request (for the locale).
    with app.test_request_context():
        yield


def _data(**kw):
    base = dict(title="Store", link_url="https://shop.example/a")
    base.update(kw)
    return PostInput(**base)


def _errors(org, campaign, data):
    with pytest.raises(ContentError) as exc:
        posts.save_post(org=org, campaign=campaign, author=None, data=data)
    return exc.value.field_errors


@pytest.fixture
def oc(make):
    org = make.org(disclosure="#employee")
    return org, make.campaign(org)


@pytest.mark.parametrize("url", ["https://example.com", "http://shop.example.co.uk/a?b=1#c", "https://bücher.de/x",
                                 "https://93.184.216.34/page", "https://example.com:8443/x"])
def test_good_links(url):
    assert posts.clean_link(f"  {url} ") == url


@pytest.mark.parametrize("url", ["", "example.com", "javascript:alert(1)", "ftp://example.com/", "https://",
                                 "https://localhost/", "https://intranet/", "http://127.0.0.1/", "http://10.1.1.1/",
                                 "http://169.254.169.254/latest", "https://user:pw@example.com/",
                                 "https://exa mple.com/", "https://example.com:99999/", "https://-bad-.com/",
                                 "https://" + "a" * 2050 + ".com"])
def test_bad_links(url):
    with pytest.raises(ContentError) as exc:
        posts.clean_link(url)
    assert "link_url" in exc.value.field_errors


def test_hashtags_normalized():
    assert posts.clean_hashtags("ghent, #Retail #ghent;jobs ") == "#ghent #Retail #jobs"
    assert posts.clean_hashtags("") == ""
    assert posts.clean_hashtags("#été") == "#été"
    with pytest.raises(ContentError):
        posts.clean_hashtags("#no-dash")


def test_placeholder_short_url_is_as_long_as_a_real_one(app, monkeypatch):
    assert tracked_links.placeholder_short_url() == SHORT
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://amb.example.com/ambassador/")
    assert tracked_links.placeholder_short_url() == "https://amb.example.com/ambassador/s/xxxxxxxxxx"
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "")  # never made up (it was example.com)
    with pytest.raises(BaseUrlMissing):
        tracked_links.placeholder_short_url()


def test_shared_length_counts_hashtags_disclosure_and_link():
    text = f"Hi #ghent #employee {SHORT}"
    assert posts.shared_length(network="linkedin", caption="Hi", hashtags="#ghent", disclosure="#employee") \
        == len(text)
    assert posts.shared_length(network="x", caption="Hi", hashtags="#ghent", disclosure="#employee") \
        == len("Hi #ghent #employee ") + 23


@pytest.mark.parametrize("network", ["x", "bluesky", "mastodon", "xing", "linkedin", "whatsapp"])
def test_caption_at_limit_passes_one_more_fails(make, oc, network):
    org, campaign = oc
    net = networks.get(network)
    extra = posts.caption_extra(network=network, hashtags="#ghent", disclosure=org.disclosure)
    fits = "a" * (net.limit - extra)
    post, _ = posts.save_post(org=org, campaign=campaign, author=None,
                              data=_data(hashtags="ghent", captions={network: fits}))
    assert post.caption_for(network, "en") == fits
    errors = _errors(org, campaign, _data(hashtags="ghent", captions={network: fits + "a"}))
    assert list(errors) == [f"caption_{network}"]
    assert f"{net.limit + 1} of {net.limit}" in str(errors[f"caption_{network}"])


def test_x_limit_uses_x_weighting(oc):
    org, campaign = oc
    # " #employee " + 23 = 34 → 246 left = 123 CJK characters (weight 2).
    assert not posts.check_captions(captions={"x": "日" * 123}, hashtags="", disclosure=org.disclosure)
    assert posts.check_captions(captions={"x": "日" * 124}, hashtags="", disclosure=org.disclosure)


def test_bluesky_limit_counts_graphemes_and_full_link(oc):
    org, campaign = oc
    extra = len(f" #employee {SHORT}")
    family = "👨\u200d👩\u200d👧"
    assert not posts.check_captions(captions={"bluesky": family * (300 - extra)}, hashtags="",
                                    disclosure=org.disclosure)
    assert posts.check_captions(captions={"bluesky": family * (301 - extra)}, hashtags="", disclosure=org.disclosure)


def test_email_has_a_sanity_limit_and_empty_captions_are_not_checked(oc):
    org, _ = oc
    assert posts.check_captions(captions={"email": "a" * 6000}, hashtags="", disclosure="")
    assert not posts.check_captions(captions={"x": "   ", "facebook": "a" * 9999}, hashtags="", disclosure="")


def test_window_and_other_fields(make, oc):
    org, campaign = oc
    errors = _errors(org, campaign, _data(title="", link_url="ftp://x", audience="friends", hashtags="a-b",
                                          visible_from=datetime(2030, 1, 2), expires_at=datetime(2030, 1, 1),
                                          preview_image_url="javascript:x"))
    assert set(errors) == {"title", "link_url", "audience", "hashtags", "expires_at", "preview_image_url"}


def test_teams_of_another_org_refused(make, oc):
    org, campaign = oc
    errors = _errors(org, campaign, _data(team_ids=[make.team(make.org()).id]))
    assert "teams" in errors


def test_saves_all_fields_and_replaces_captions(make, oc, db):
    org, campaign = oc
    team = make.team(org)
    author = make.user()
    post, stale = posts.save_post(org=org, campaign=campaign, author=author, data=_data(
        hashtags="#a b", audience="internal", team_ids=[team.id], visible_from=datetime(2030, 1, 1),
        expires_at=datetime(2030, 2, 1), captions={"linkedin": " Hello ", "x": "Hi", "facebook": "ignored"}))
    assert stale is None and post.status == "draft" and post.created_by_id == author.id
    assert (post.hashtags, post.audience, post.teams) == ("#a #b", "internal", [team])
    assert {c.network: c.text for c in post.captions} == {"linkedin": "Hello", "x": "Hi"}
    posts.save_post(org=org, campaign=campaign, author=author, post=post,
                    data=_data(captions={"x": "Changed", "bluesky": "Sky"}))
    db.session.expire_all()
    assert {c.network: c.text for c in db.session.get(Post, post.id).captions} == {"x": "Changed", "bluesky": "Sky"}


def test_post_of_another_org_is_refused(make, oc):
    org, campaign = oc
    with pytest.raises(ValueError):
        posts.save_post(org=make.org(), campaign=campaign, author=None, data=_data())


def _files(app):
    return {os.path.join(d, f) for d, _, fs in os.walk(app.config["UPLOAD_FOLDER"]) for f in fs}


def _held(org, name="a.png"):
    """An image as the post form holds it before saving (drafts.hold_image)."""
    return uploads.hold_image(FileStorage(io.BytesIO(PNG), filename=name), org_id=org.id, user_id=1)


def test_image_stored_only_when_everything_is_valid(app, oc, db):
    org, campaign = oc
    held = _held(org)
    before = _files(app)
    _errors(org, campaign, _data(title="", image=held))
    assert _files(app) == before and uploads.absolute_path(held.path)  # still held for the next try
    post, _ = posts.save_post(org=org, campaign=campaign, author=None, data=_data(image=held))
    assert post.image_path.startswith(f"org-{org.id}/posts/")
    with open(uploads.absolute_path(post.image_path), "rb") as handle:
        assert handle.read() == PNG


def test_flush_failure_removes_the_new_file_and_keeps_the_held_one(app, oc, db, monkeypatch):
    org, campaign = oc
    held = _held(org)
    before = _files(app)

    def boom():
        raise RuntimeError("database went away")
    monkeypatch.setattr(posts.db.session, "flush", boom)
    with pytest.raises(RuntimeError):
        posts.save_post(org=org, campaign=campaign, author=None, data=_data(image=held))
    assert _files(app) == before and uploads.absolute_path(held.path)


def test_held_image_gone_is_a_field_error(app, oc, db):
    org, campaign = oc
    held = _held(org)
    uploads.delete_file(held.path)
    assert "image" in _errors(org, campaign, _data(image=held))


def test_replacing_image_returns_the_stale_file(app, oc):
    org, campaign = oc
    post, _ = posts.save_post(org=org, campaign=campaign, author=None, data=_data(image=_held(org)))
    old = post.image_path
    post, stale = posts.save_post(org=org, campaign=campaign, author=None, post=post,
                                  data=_data(image=_held(org, "b.png")))
    assert stale == old and post.image_path != old
    uploads.delete_file(stale)
    assert uploads.absolute_path(old) is None
    post, stale = posts.save_post(org=org, campaign=campaign, author=None, post=post, data=_data(remove_image=True))
    assert post.image_path is None and stale


def test_captions_are_stored_with_the_line_breaks_a_browser_counts(oc):
    org, campaign = oc
    post, _ = posts.save_post(org=org, campaign=campaign, author=None,
                              data=_data(captions={"x": "One\r\nTwo\rThree\n"}))
    assert post.caption_for("x", "en") == "One\nTwo\nThree"


def test_fill_missing_preview_only_when_nothing_typed(monkeypatch):
    from ambassador.infra import open_graph
    monkeypatch.setattr(posts.open_graph, "fetch_preview",
                        lambda *, url: open_graph.Preview(title="T", description="D", image_url="https://i/x.png"))
    data = _data()
    posts.fill_missing_preview(data)
    assert (data.preview_title, data.preview_description, data.preview_image_url) == ("T", "D", "https://i/x.png")
    typed = _data(preview_title="Mine")
    posts.fill_missing_preview(typed)
    assert typed.preview_title == "Mine" and typed.preview_description == ""


def test_caption_report(make, oc):
    org, campaign = oc
    post = make.post(campaign, captions={"x": "Hi", "linkedin": "Hello"}, hashtags="#a")
    rows = {r.network.key: r for r in posts.caption_report(post=post, disclosure=org.disclosure, lang="en")}
    assert rows["x"].text == f"Hi #a #employee {SHORT}" and rows["x"].used == len("Hi #a #employee ") + 23
    assert rows["linkedin"].limit == 3000
