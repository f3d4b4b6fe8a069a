"""Content pages through the test client: campaigns, posts, images, approval, tenant isolation."""
import io
import os

import pytest
import sqlalchemy as sa

from ambassador.infra import uploads
from ambassador.models import Campaign, Post, PostCaption

from . import content_pages

PNG = content_pages.PNG
_as = content_pages.as_member
_post_data = content_pages.post_data


def _upload_files(app):
    root = app.config["UPLOAD_FOLDER"]
    return {os.path.join(d, f) for d, _, files in os.walk(root) for f in files}


# Campaigns -------------------------------------------------------------------------------------

def test_ambassador_cannot_reach_content_pages(client, make, login):
    org, _ = _as(make, login, role="ambassador")
    assert client.get("/campaigns").status_code == 403
    assert client.get("/review").status_code == 403


def test_curator_creates_campaign_with_unique_slug_and_teams(client, make, login, db):
    org, member = _as(make, login)
    team = make.team(org, "Ghent")
    make.campaign(org, title="Spring", slug="spring")
    response = client.post("/campaigns/new", data={"title": "Spring", "description": "Bloom", "status": "active",
                                                   "teams": [str(team.id)], "starts_at": "2030-03-01T09:00",
                                                   "ends_at": "2030-04-01T09:00"})
    assert response.status_code == 302
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.org_id == org.id, Campaign.slug == "spring-2"))
    assert campaign.title == "Spring" and [t.name for t in campaign.teams] == ["Ghent"]
    # Entered in Europe/Brussels (UTC+1 in March), stored in UTC.
    assert campaign.starts_at.hour == 8 and campaign.created_by_id == member.user_id
    page = client.get("/campaigns").get_data(as_text=True)
    assert "Spring" in page and "utm_campaign=spring-2" in page and "Ghent" in page


def test_campaign_end_before_start_is_refused_next_to_field(client, make, login, db):
    org, _ = _as(make, login)
    response = client.post("/campaigns/new", data={"title": "Bad", "status": "draft",
                                                   "starts_at": "2030-03-02T09:00", "ends_at": "2030-03-01T09:00"})
    assert response.status_code == 200
    assert "The end must be after the start." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Campaign).where(Campaign.org_id == org.id)) is None


def test_edit_campaign_keeps_slug_and_can_archive(client, make, login, db):
    org, _ = _as(make, login)
    campaign = make.campaign(org, title="Old", slug="old")
    response = client.post(f"/campaigns/{campaign.id}/edit", data={"title": "New name", "status": "archived"})
    assert response.status_code == 302
    db.session.refresh(campaign)
    assert campaign.title == "New name" and campaign.slug == "old" and campaign.status == "archived"
    assert "archived" in client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)


def test_delete_only_empty_campaign(client, make, login, db):
    org, _ = _as(make, login)
    full = make.campaign(org)
    make.post(full)
    empty_id = make.campaign(org).id
    response = client.post(f"/campaigns/{full.id}/delete", follow_redirects=True)
    assert "archive it instead" in response.get_data(as_text=True)
    assert db.session.get(Campaign, full.id) is not None
    assert client.post(f"/campaigns/{empty_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, empty_id) is None


# Posts -----------------------------------------------------------------------------------------

def test_create_post_with_captions_and_preview_card(client, make, login, db):
    org, _ = _as(make, login, disclosure="#employee")
    campaign = make.campaign(org)
    response = client.post(f"/campaigns/{campaign.id}/posts/new", data=_post_data(
        preview_title="Our Ghent store", visible_from="2030-01-01T10:00", expires_at="2030-02-01T10:00"))
    assert response.status_code == 302
    post = db.session.scalar(sa.select(Post).where(Post.campaign_id == campaign.id))
    assert post.status == "draft" and post.hashtags == "#ghent #retail"
    assert post.caption_for("linkedin", "en") == "We opened a store!" and post.caption_for("mastodon", "en") == ""
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Our Ghent store" in page and "We opened a store! #ghent #retail #employee" in page
    campaign_page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "New store" in campaign_page and "Draft" in campaign_page


def test_over_limit_caption_is_refused_and_nothing_written(client, make, login, db):
    org, _ = _as(make, login, disclosure="#employee")
    campaign = make.campaign(org)
    # 250 characters fit X on their own, not with hashtags, disclosure and the link.
    response = client.post(f"/campaigns/{campaign.id}/posts/new", data=_post_data(caption_x="a" * 250))
    assert response.status_code == 200
    assert "Too long for X" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.org_id == org.id)) == 0


@pytest.mark.parametrize("url, message", [
    ("javascript:alert(1)", "starting with http"),
    ("ftp://files.example/x", "starting with http"),
    ("https://localhost/x", "no valid host name"),
    ("http://10.0.0.1/admin", "not a private address"),
])
def test_bad_links_are_refused(client, make, login, db, url, message):
    org, _ = _as(make, login)
    campaign = make.campaign(org)
    response = client.post(f"/campaigns/{campaign.id}/posts/new", data=_post_data(link_url=url))
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.org_id == org.id)) == 0


def test_window_must_end_after_start(client, make, login, db):
    org, _ = _as(make, login)
    campaign = make.campaign(org)
    response = client.post(f"/campaigns/{campaign.id}/posts/new", data=_post_data(
        visible_from="2030-01-02T10:00", expires_at="2030-01-01T10:00"))
    assert "The end must be after the start." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.org_id == org.id)) == 0


def test_image_upload_good_is_stored_and_served_to_members(app, client, make, login, db):
    org, _ = _as(make, login)
    campaign = make.campaign(org)
    response = client.post(f"/campaigns/{campaign.id}/posts/new", content_type="multipart/form-data",
                           data=_post_data(image=(io.BytesIO(PNG), "photo.png")))
    assert response.status_code == 302
    post = db.session.scalar(sa.select(Post).where(Post.campaign_id == campaign.id))
    assert post.image_path.startswith(f"org-{org.id}/posts/") and uploads.absolute_path(post.image_path)
    media = client.get(f"/posts/{post.id}/media")
    assert media.status_code == 200 and media.mimetype == "image/png" and media.data == PNG
    assert "private" in media.headers["Cache-Control"]


def test_image_upload_bad_leaves_no_post_and_no_file(app, client, make, login, db):
    org, _ = _as(make, login)
    campaign = make.campaign(org)
    before = _upload_files(app)
    response = client.post(f"/campaigns/{campaign.id}/posts/new", content_type="multipart/form-data",
                           data=_post_data(image=(io.BytesIO(b"just some text, honest"), "photo.png")))
    assert response.status_code == 200
    assert "Upload a PNG, JPEG, GIF or WebP image." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.org_id == org.id)) == 0
    assert _upload_files(app) == before


def test_replacing_image_deletes_old_file(app, client, make, login, db):
    org, _ = _as(make, login)
    post = make.post(make.campaign(org), status="draft")
    for _ in range(2):
        client.post(f"/posts/{post.id}/edit", content_type="multipart/form-data",
                    data=_post_data(image=(io.BytesIO(PNG), "p.png")))
        db.session.refresh(post)
        if _ == 0:
            first = uploads.absolute_path(post.image_path)
    assert first and not os.path.exists(first) and uploads.absolute_path(post.image_path)
    client.post(f"/posts/{post.id}/edit", data=_post_data(remove_image="y"))
    db.session.refresh(post)
    assert post.image_path is None


def test_media_of_unpublished_post_is_hidden_from_ambassadors(client, make, login, db):
    org = make.org()
    post = make.post(make.campaign(org), status="draft", image_path="org-x/none.png")
    _as(make, login, role="ambassador", org=org)
    assert client.get(f"/posts/{post.id}/media").status_code == 404


def test_edit_post_changes_captions(client, make, login, db):
    org, _ = _as(make, login)
    post = make.post(make.campaign(org), status="draft", captions={"linkedin": "old", "x": "old x"})
    page = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert "old x" in page
    client.post(f"/posts/{post.id}/edit", data=_post_data(caption_linkedin="new", caption_x=""))
    db.session.expire_all()
    captions = db.session.scalars(sa.select(PostCaption).where(PostCaption.post_id == post.id)).all()
    assert {(c.network, c.text) for c in captions} == {("linkedin", "new")}


def test_fetch_preview_button_fills_form_without_saving(client, make, login, db, monkeypatch):
    from ambassador.infra import open_graph
    from ambassador.web import content as content_views

    org, _ = _as(make, login)
    campaign = make.campaign(org)
    seen = []

    def fake_fetch(*, url):
        seen.append(url)
        return open_graph.Preview(title="Fetched title", description="Fetched description",
                                  image_url="https://shop.example/i.jpg")
    monkeypatch.setattr(content_views.open_graph, "fetch_preview", fake_fetch)
    data = _post_data(fetch_preview="Fetch")
    data.pop("save")
    response = client.post(f"/campaigns/{campaign.id}/posts/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Fetched title" in page and "https://shop.example/i.jpg" in page
    assert seen == ["https://shop.example/news/store"]
    assert db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.org_id == org.id)) == 0


def test_fetch_preview_failure_asks_to_type_it(client, make, login, monkeypatch):
    from ambassador.web import content as content_views

    org, _ = _as(make, login)
    campaign = make.campaign(org)
    monkeypatch.setattr(content_views.open_graph, "fetch_preview", lambda *, url: None)
    data = _post_data(fetch_preview="Fetch")
    data.pop("save")
    page = client.post(f"/campaigns/{campaign.id}/posts/new", data=data).get_data(as_text=True)
    assert "type it below" in page


# Approval --------------------------------------------------------------------------------------

def test_curator_publish_goes_to_review_then_manager_approves(client, make, login, db, app):
    org = make.org(posts_require_approval=True)
    post = make.post(make.campaign(org), status="draft", published_at=None)
    _as(make, login, org=org)
    client.post(f"/posts/{post.id}/publish")
    db.session.refresh(post)
    assert post.status == "pending_approval" and post.published_at is None
    assert client.post(f"/posts/{post.id}/approve").status_code == 403  # a curator cannot approve

    manager_client = app.test_client()
    manager = make.member(org, role="manager")
    manager_client.post("/login", data={"email": manager.user.email, "password": "correct horse battery"})
    queue = manager_client.get("/review").get_data(as_text=True)
    assert post.title in queue and "Approve and publish" in queue and 'name="next" value="review"' in queue
    response = manager_client.post(f"/posts/{post.id}/approve", data={"next": "review"})
    assert response.headers["Location"].endswith("/review")
    db.session.refresh(post)
    assert post.status == "approved" and post.published_at is not None and post.reviewed_by_id == manager.user_id


def test_manager_sends_back_with_comment_and_curator_resubmits(client, make, login, db, app):
    org = make.org(posts_require_approval=True)
    post = make.post(make.campaign(org), status="pending_approval", published_at=None)
    manager_client = app.test_client()
    manager = make.member(org, role="manager")
    manager_client.post("/login", data={"email": manager.user.email, "password": "correct horse battery"})
    empty = manager_client.post(f"/posts/{post.id}/send-back", data={"comment": "  "})
    assert empty.status_code == 400 and "This field is required." in empty.get_data(as_text=True)
    manager_client.post(f"/posts/{post.id}/send-back", data={"comment": "Shorter caption please"})
    db.session.refresh(post)
    assert post.status == "changes_requested" and post.review_comment == "Shorter caption please"

    _as(make, login, org=org)
    assert "Shorter caption please" in client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    client.post(f"/posts/{post.id}/edit", data=_post_data())
    client.post(f"/posts/{post.id}/publish")
    db.session.refresh(post)
    assert post.status == "pending_approval"


def test_curator_edit_of_published_post_goes_back_to_review(client, make, login, db):
    org, _ = _as(make, login, posts_require_approval=True)
    post = make.post(make.campaign(org), status="approved")
    response = client.post(f"/posts/{post.id}/edit", data=_post_data(), follow_redirects=True)
    assert "goes back to a manager for review" in response.get_data(as_text=True)
    db.session.refresh(post)
    assert post.status == "pending_approval"


def test_without_approval_publish_is_immediate(client, make, login, db):
    org, _ = _as(make, login)
    post = make.post(make.campaign(org), status="draft", published_at=None)
    client.post(f"/posts/{post.id}/publish")
    db.session.refresh(post)
    assert post.status == "approved" and post.published_at is not None


def test_archive_and_restore(client, make, login, db):
    org, _ = _as(make, login)
    post = make.post(make.campaign(org))
    client.post(f"/posts/{post.id}/archive")
    db.session.refresh(post)
    assert post.status == "archived"
    client.post(f"/posts/{post.id}/restore")
    db.session.refresh(post)
    assert post.status == "draft"


# Tenant isolation ------------------------------------------------------------------------------

def test_other_organizations_content_is_not_found(client, make, login, db):
    victim = make.org()
    campaign = make.campaign(victim)
    post = make.post(campaign, status="pending_approval", image_path="org-1/posts/x.png")
    _as(make, login, role="admin")  # an admin of another organization: highest role, still 404
    gets = [f"/campaigns/{campaign.id}", f"/campaigns/{campaign.id}/edit", f"/campaigns/{campaign.id}/posts/new",
            f"/posts/{post.id}", f"/posts/{post.id}/edit", f"/posts/{post.id}/media"]
    posts = [f"/campaigns/{campaign.id}/edit", f"/campaigns/{campaign.id}/delete",
             f"/campaigns/{campaign.id}/posts/new", f"/posts/{post.id}/edit", f"/posts/{post.id}/publish",
             f"/posts/{post.id}/archive", f"/posts/{post.id}/restore", f"/posts/{post.id}/approve",
             f"/posts/{post.id}/send-back"]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, data={**_post_data(), "comment": "x"}).status_code == 404, url
    assert campaign.title not in client.get("/campaigns").get_data(as_text=True)
    assert post.title not in client.get("/review").get_data(as_text=True)
    db.session.refresh(post)
    assert post.status == "pending_approval" and db.session.get(Campaign, campaign.id) is not None


@pytest.mark.parametrize("role", ["curator", "manager"])
def test_other_organizations_content_is_not_found_per_role(client, make, login, role):
    victim = make.org()
    campaign = make.campaign(victim)
    post = make.post(campaign)
    _as(make, login, role=role)
    for url in (f"/campaigns/{campaign.id}", f"/posts/{post.id}", f"/posts/{post.id}/media"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/posts/{post.id}/archive").status_code == 404


def test_post_page_shows_the_text_each_kind_of_member_shares(client, make, login):
    org, _ = _as(make, login, disclosure="#employee", disclosure_external="#ad")
    everyone = make.post(make.campaign(org), captions={"x": "Store open"})
    html = client.get(f"/posts/{everyone.id}").get_data(as_text=True)
    assert "Shared by employees, with #employee:" in html and "Shared by customers and partners, with #ad:" in html
    assert "Store open #employee" in html and "Store open #ad" in html
    internal = make.post(make.campaign(org), captions={"x": "Team lunch"}, audience="internal")
    html = client.get(f"/posts/{internal.id}").get_data(as_text=True)
    assert "Team lunch #employee" in html and "#ad" not in html
    form = client.get(f"/posts/{everyone.id}/edit").get_data(as_text=True)
    assert "#employee for employees, #ad for customers and partners" in form
