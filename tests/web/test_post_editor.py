"""The post editor through the test client: the image survives a failed save, counts and previews agree
with the server, team checkboxes, the campaign's utm_campaign label."""
import html
import io
import json
import os
import re
from datetime import datetime

import sqlalchemy as sa

from ambassador.infra import uploads
from ambassador.models import Post
from ambassador.services.content import posts
from ambassador.services.publishing import sharing

from . import content_pages

PNG = content_pages.PNG
_as = content_pages.as_member
_post_data = content_pages.post_data


def _held_token(client, url, **overrides) -> str:
    """Send the form with an image and an error (no title): the token of the held image."""
    return _hidden(content_pages.send_post_form(client, url, title="", **overrides), "pending_image")


def _hidden(page, name):
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or \
        re.search(rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page)
    return html.unescape(match.group(1)) if match else ""


def _post_count(db, org):
    return db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.org_id == org.id))


# The image is kept ----------------------------------------------------------------------------

def test_an_image_survives_a_validation_error_and_is_saved_on_the_next_try(app, client, make, login, db):
    org, _ = _as(make, login)
    campaign = make.campaign(org)
    url = f"/campaigns/{campaign.id}/posts/new"
    response = client.post(url, content_type="multipart/form-data",
                           data=_post_data(caption_x="a" * 300, image=(io.BytesIO(PNG), "photo.png")))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Too long for X" in page and _post_count(db, org) == 0
    token = _hidden(page, "pending_image")
    assert token, "the held image's token goes back in the form"
    assert "The post is not saved: 1 field needs a change. Your image is kept." in page
    assert '<a href="#caption_x">Caption for X</a>' in page
    thumb = client.get(f"/posts/held-image/{token}")
    assert thumb.status_code == 200 and thumb.data == PNG and "private" in thumb.headers["Cache-Control"]
    assert f'src="/posts/held-image/{token}"' in page
    # The next try sends no file, only the token: the post is saved with the image.
    response = client.post(url, content_type="multipart/form-data", data=_post_data(pending_image=token))
    assert response.status_code == 302
    post = db.session.scalar(sa.select(Post).where(Post.campaign_id == campaign.id))
    with open(uploads.absolute_path(post.image_path), "rb") as handle:
        assert handle.read() == PNG
    assert client.get(f"/posts/held-image/{token}").status_code == 404  # the held copy is deleted once saved


def test_an_image_survives_fetch_preview_and_a_form_error(client, make, login, db, monkeypatch):
    org, _ = _as(make, login)
    campaign = make.campaign(org)
    monkeypatch.setattr("ambassador.infra.open_graph.fetch_preview", lambda *, url: None)
    page = client.post(f"/campaigns/{campaign.id}/posts/new", content_type="multipart/form-data",
                       data=_post_data(fetch_preview="1", image=(io.BytesIO(PNG), "p.png"))).get_data(as_text=True)
    token = _hidden(page, "pending_image")
    assert token
    page = client.post(f"/campaigns/{campaign.id}/posts/new", content_type="multipart/form-data",
                       data=_post_data(title="", pending_image=token)).get_data(as_text=True)
    assert _hidden(page, "pending_image") == token and _post_count(db, org) == 0


def test_a_new_file_replaces_the_held_one(client, make, login, db):
    org, _ = _as(make, login)
    campaign = make.campaign(org)
    url = f"/campaigns/{campaign.id}/posts/new"
    first = _held_token(client, url)
    second = _held_token(client, url, pending_image=first, name="b.png")
    assert first and second and first != second


def test_a_refused_file_is_said_next_to_the_field_and_nothing_is_held(app, client, make, login, db):
    org, _ = _as(make, login)
    campaign = make.campaign(org)
    page = content_pages.send_post_form(client, f"/campaigns/{campaign.id}/posts/new", image=b"text, honest")
    assert "Upload a PNG, JPEG, GIF or WebP image." in page and not _hidden(page, "pending_image")
    assert _post_count(db, org) == 0


def test_a_held_image_is_not_for_someone_else(app, client, make, login, db):
    org, _ = _as(make, login)
    campaign = make.campaign(org)
    token = _held_token(client, f"/campaigns/{campaign.id}/posts/new")
    client.post("/logout")
    # A colleague in the same organization, and a curator of another one, get neither the file nor its use.
    for other_org in (org, make.org()):
        other = make.member(other_org, role="curator")
        login(other.user)
        assert client.get(f"/posts/held-image/{token}").status_code == 404
        other_campaign = make.campaign(other_org)
        page = client.post(f"/campaigns/{other_campaign.id}/posts/new", content_type="multipart/form-data",
                           data=_post_data(pending_image=token)).get_data(as_text=True)
        assert "no longer available" in page and _post_count(db, other_org) == 0
        client.post("/logout")


def test_remove_lets_go_of_the_held_image(client, make, login, db):
    org, _ = _as(make, login)
    campaign = make.campaign(org)
    url = f"/campaigns/{campaign.id}/posts/new"
    token = _held_token(client, url)
    assert client.post(url, data=_post_data(pending_image=token, remove_image="y")).status_code == 302
    post = db.session.scalar(sa.select(Post).where(Post.campaign_id == campaign.id))
    assert post.image_path is None
    assert client.get(f"/posts/held-image/{token}").status_code == 404


# Counts and previews ---------------------------------------------------------------------------

def test_counter_and_preview_are_the_servers_for_what_was_typed(client, make, login, db):
    """The review's case: CRLF line breaks, a hashtag typed into the caption too, an emoji."""
    org, _ = _as(make, login, disclosure="#employee")
    campaign = make.campaign(org)
    caption = "Autumn is here 🍂\r\nCome and see #Autumn " + "a" * 220
    page = client.post(f"/campaigns/{campaign.id}/posts/new", data=_post_data(
        title="", caption_x=caption, hashtags="#autumn #launch")).get_data(as_text=True)
    used = max(sharing.compose(network="x", caption=caption, hashtags="#autumn #launch", disclosure=d).length
               for d in posts.audience_disclosures(org, "everyone").values())
    assert f'data-counter-for="caption_x">{used} / 280</span>' in page
    preview = re.search(r'data-preview-for="caption_x".*?</figure>', page, re.S).group(0)
    assert "Come and see <span class=\"net-preview__tag\">#Autumn</span>" in preview
    assert '<span class="net-preview__tag">#launch</span>' in preview and "#autumn" not in preview
    assert "/s/xxxxxxxxxx</span>" in preview
    assert 'aria-invalid="None"' not in page


def test_the_page_carries_the_counting_rules_the_server_uses(app, client, make, login):
    org, _ = _as(make, login)
    page = client.get(f"/campaigns/{make.campaign(org).id}/posts/new").get_data(as_text=True)
    data = re.search(r'<script type="application/json" id="counting-rules">(.*?)</script>', page, re.S).group(1)
    with app.test_request_context():
        assert json.loads(data) == json.loads(json.dumps(posts.counting_rules()))


def test_over_limit_caption_has_its_error_and_counter_in_red(client, make, login, db):
    org, _ = _as(make, login)
    campaign = make.campaign(org)
    page = client.post(f"/campaigns/{campaign.id}/posts/new",
                       data=_post_data(caption_x="a" * 300)).get_data(as_text=True)
    tag = re.search(r'<textarea[^>]*id="caption_x"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in tag and 'data-compose="x"' in tag
    assert 'class="counter counter--over" data-counter-for="caption_x"' in page
    tag = re.search(r'<textarea[^>]*id="caption_linkedin"[^>]*>', page).group(0)
    assert "aria-invalid" not in tag


def test_link_card_shows_the_preview_fields(client, make, login):
    org, _ = _as(make, login)
    campaign = make.campaign(org)
    page = client.post(f"/campaigns/{campaign.id}/posts/new", data=_post_data(
        title="", preview_title="Our Ghent store", preview_description="Open daily",
        preview_image_url="https://cdn.shop.example/store.jpg")).get_data(as_text=True)
    card = re.search(r'<aside class="editor__card".*?</aside>', page, re.S).group(0)
    assert "shop.example" in card and "Our Ghent store" in card and "Open daily" in card
    assert 'src="https://cdn.shop.example/store.jpg"' in card


# Teams and the campaign form -------------------------------------------------------------------

def test_teams_are_checkboxes_with_a_filter_and_are_saved(client, make, login, db):
    org, _ = _as(make, login)
    ghent, bruges = make.team(org, "Ghent"), make.team(org, "Bruges")
    campaign = make.campaign(org)
    page = client.get(f"/campaigns/{campaign.id}/posts/new").get_data(as_text=True)
    assert "<select" not in page.split('data-team-picker')[1].split("</fieldset>")[0]
    assert f'type="checkbox" value="{ghent.id}"' in page or f'value="{ghent.id}"' in page
    assert 'data-team-filter' in page and "Find a team" in page
    response = client.post(f"/campaigns/{campaign.id}/posts/new", data=_post_data(teams=[str(bruges.id)]))
    assert response.status_code == 302
    post = db.session.scalar(sa.select(Post).where(Post.campaign_id == campaign.id))
    assert [t.name for t in post.teams] == ["Bruges"]
    page = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert re.search(rf'<input[^>]*checked[^>]*value="{bruges.id}"|<input[^>]*value="{bruges.id}"[^>]*checked', page)


def test_campaign_form_names_the_slug_for_what_it_is(client, make, login):
    org, _ = _as(make, login)
    campaign = make.campaign(org, slug="autumn-launch")
    page = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert "Campaign tag in links (utm_campaign): autumn-launch" in page and "Web address" not in page
    assert 'type="checkbox"' in page.split("data-team-picker")[1] if "data-team-picker" in page else True
    assert "Web address" not in client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "utm_campaign" in client.get("/campaigns/new").get_data(as_text=True)


def test_held_image_route_needs_a_curator(client, make, login):
    org, _ = _as(make, login, role="ambassador")
    assert client.get("/posts/held-image/anything").status_code == 403


def test_purge_job_is_scheduled(app):
    from ambassador.jobs import definitions

    assert definitions.by_name("purge_pending_uploads").interval(app.config) == 3600
    assert os.path.basename(uploads.PENDING_FOLDER) == "pending"


def test_edit_forms_show_local_times_and_ticked_teams(client, make, login, db):
    """WTForms prefers the object's attribute to a keyword: the edit forms showed UTC times (saving moved
    them by the offset) and no ticked team (saving dropped them)."""
    org, member = _as(make, login)
    member.user.timezone = "Europe/Brussels"
    team = make.team(org, "Ghent")
    campaign = make.campaign(org, teams=[team], starts_at=datetime(2030, 1, 2, 9, 0))
    post = make.post(campaign, status="draft", teams=[team], visible_from=datetime(2030, 1, 2, 9, 0))
    db.session.flush()
    for url in (f"/posts/{post.id}/edit", f"/campaigns/{campaign.id}/edit"):
        page = client.get(url).get_data(as_text=True)
        assert 'value="2030-01-02T10:00"' in page, url  # 09:00 UTC is 10:00 in Brussels in January
        assert re.search(rf'<input checked[^>]*value="{team.id}"', page), url
    assert client.post(f"/posts/{post.id}/edit", data=_post_data(
        visible_from="2030-01-02T10:00", teams=[str(team.id)])).status_code == 302
    db.session.refresh(post)
    assert post.visible_from == datetime(2030, 1, 2, 9, 0) and [t.name for t in post.teams] == ["Ghent"]
