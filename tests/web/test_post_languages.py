"""Posts in every language through the pages: the settings page, the editor's language sections with what
is missing marked, a Dutch caption too long for X, and the feed in the ambassador's language."""
import re

import sqlalchemy as sa

from ambassador.models import Post, PostCaption, PostTranslation

from . import content_pages
from .test_org_settings import SETTINGS


def _trilingual(make, **kw):
    org = make.org(default_locale="en", **kw)
    org.content_languages = "en nl fr"
    return org


def test_settings_save_the_content_languages(client, make, login, db):
    org = make.org(default_locale="en")
    login(make.member(org, role="admin").user)
    response = client.post("/settings", data={**SETTINGS, "default_locale": "nl", "post_languages": ["en", "fr"]})
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.post_languages == ["nl", "en", "fr"]
    page = client.post("/settings", data={**SETTINGS, "post_languages": ["de"]}).get_data(as_text=True)
    assert "Not a valid choice" in page or "not a valid choice" in page
    db.session.refresh(org)
    assert org.post_languages == ["nl", "en", "fr"]  # unchanged


def test_the_editor_shows_each_language_with_what_is_missing(client, make, login, db):
    org, _ = content_pages.as_member(make, login, org=_trilingual(make))
    campaign = make.campaign(org)
    page = client.get(f"/campaigns/{campaign.id}/posts/new").get_data(as_text=True)
    for lang in ("en", "nl", "fr"):
        assert f'id="lang-{lang}"' in page and f'aria-controls="lang-{lang}"' in page
    assert 'name="title_nl"' in page and 'name="caption_fr_x"' in page and 'name="title_en"' not in page
    assert page.count("missing title and captions") >= 6  # tab and heading of each language
    # A single-language organization has no tabs.
    single, _ = content_pages.as_member(make, login, org=make.org())
    page = client.get(f"/campaigns/{make.campaign(single).id}/posts/new").get_data(as_text=True)
    assert "data-lang-tablist" not in page and 'name="title_nl"' not in page


def test_a_dutch_caption_too_long_for_x_is_refused_naming_dutch(client, make, login, db):
    org, _ = content_pages.as_member(make, login, org=_trilingual(make))
    campaign = make.campaign(org)
    url = f"/campaigns/{campaign.id}/posts/new"
    page = content_pages.send_post_form(client, url, image=None, title_nl="Nieuwe winkel", caption_nl_x="a" * 300)
    assert "In Dutch: Too long for X" in page
    assert re.search(r'class="badge badge--err" data-lang-gap>needs a change', page)
    assert db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.org_id == org.id)) == 0
    content_pages.send_post_form(client, url, image=None, title_nl="Nieuwe winkel", caption_nl_x="Winkel open",
                                 summary_fr="Ouvert")
    post = db.session.scalar(sa.select(Post).where(Post.org_id == org.id))
    assert post.caption_for("x", "nl") == "Winkel open" and post.caption_for("x", "en") == "Store open"
    assert post.translation("nl").title == "Nieuwe winkel" and post.translation("fr").summary == "Ouvert"
    edit = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert "Winkel open" in edit and 'value="Nieuwe winkel"' in edit


def _feed_as(client, make, login, db, locale):
    org = _trilingual(make)
    post = make.post(make.campaign(org), title="New store", captions={"x": "Store open"})
    db.session.add_all([PostTranslation(post_id=post.id, lang="nl", title="Nieuwe winkel", summary="Vanaf maandag"),
                        PostCaption(post_id=post.id, network="x", lang="nl", text="Winkel open")])
    db.session.flush()
    login(make.member(org, user=make.user(locale=locale)).user)
    return client.get("/feed").get_data(as_text=True)


def test_the_feed_shows_a_dutch_ambassador_the_dutch_words(client, make, login, db):
    page = _feed_as(client, make, login, db, "nl")
    assert "Nieuwe winkel" in page and "Vanaf maandag" in page and "Winkel open" in page
    assert "Store open" not in page


def test_the_feed_shows_the_default_language_where_the_post_lacks_the_members(client, make, login, db):
    page = _feed_as(client, make, login, db, "fr")  # no French words: the organization's default language
    assert "New store" in page and "Store open" in page and "Winkel open" not in page
