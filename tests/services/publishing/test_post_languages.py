"""Posts in every language: which language a member gets (theirs, else the organization's default,
else any the post has), the same choice in every place a caption reaches an ambassador, each language
measured on its own when a post is saved, and organizations kept apart."""
from __future__ import annotations

import pytest

from ambassador.errors import ServiceError
from ambassador.models import Post, PostCaption, PostTranslation, Share
from ambassador.services.content import posts
from ambassador.services.content.campaigns import ContentError
from ambassador.services.content.posts import LanguageInput, PostInput
from ambassador.services.org import settings as org_settings
from ambassador.services.publishing import languages, linked_shares, sharing
from tests.services.publishing.fakes import account


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


@pytest.fixture
def org(make):
    org = make.org(default_locale="en", disclosure="#employee")
    org.content_languages = "en nl fr"
    return org


def _reader(make, org, locale):
    return make.member(org, user=make.user(locale=locale))


def _with_dutch(make, org, db, **kw):
    post = make.post(make.campaign(org), title="Asparagus season",
                     captions={"x": "English X", "linkedin": "English LI"}, **kw)
    post.translations.append(PostTranslation(lang="en", title="Asparagus season", summary="Spring menu"))
    post.translations.append(PostTranslation(lang="nl", title="Aspergeseizoen", summary="Lentemenu"))
    post.captions.append(PostCaption(network="x", lang="nl", text="Nederlandse X"))
    db.session.flush()
    return post


def test_a_member_gets_their_language_else_the_default_else_any(make, org, db):
    post = _with_dutch(make, org, db)
    dutch, french, nobody = (_reader(make, org, locale) for locale in ("nl", "fr", None))
    assert languages.text_for_member(post, dutch).lang == "nl"
    assert languages.text_for_member(post, dutch).title == "Aspergeseizoen"
    assert languages.text_for_member(post, dutch).summary == "Lentemenu"
    # No French words: the organization's default language.
    assert languages.text_for_member(post, french).lang == "en"
    assert languages.text_for_member(post, nobody).title == "Asparagus season"
    # Neither the member's nor the default language: any the post has (not an empty caption).
    only_french = make.post(make.campaign(org), captions={"x": "Seulement en français"}, lang="fr")
    assert languages.text_for_member(only_french, dutch).lang == "fr"
    assert languages.text_for_member(only_french, dutch).caption_for("x") == "Seulement en français"


def test_within_a_language_a_missing_network_takes_that_languages_other_caption(make, org, db):
    post = _with_dutch(make, org, db)
    dutch = _reader(make, org, "nl")
    # No Dutch LinkedIn caption: the Dutch X one, not the English LinkedIn one.
    assert sharing.suggested_caption(post, "linkedin", dutch) == "Nederlandse X"


def test_every_share_path_uses_the_members_language(make, org, db):
    post = _with_dutch(make, org, db)
    dutch, english = _reader(make, org, "nl"), _reader(make, org, "en")
    # The feed card's options and the intent share.
    options = {o.network.key: o for o in sharing.share_options(post=post, disclosure=dutch.disclosure,
                                                                membership=dutch)}
    assert options["x"].caption == "Nederlandse X"
    result = sharing.share_post(membership=dutch, post=post, network="x", caption=None)
    assert result.share.caption.startswith("Nederlandse X")
    assert sharing.share_post(membership=english, post=post, network="x",
                              caption=None).share.caption.startswith("English X")
    # API shares (scheduled, queued, auto-share: all pass caption=None to create_api_share).
    acct = account(db, dutch, provider="mastodon")
    share = linked_shares.create_api_share(membership=dutch, post=post, account=acct, caption=None)
    assert isinstance(share, Share) and share.caption.startswith("Nederlandse X")


def test_the_worker_sends_the_members_language_and_title(make, org, db, network, app, monkeypatch):
    """The publishing worker reads the posts' words in one statement per batch (languages.words_of), not as
    entities: the request still carries the member's language and the title in it."""
    from ambassador.services.publishing import dispatch, leases
    from tests.services.publishing.fakes import due_share

    monkeypatch.setitem(app.config, "PUBLISH_THREADS", 1)
    post = _with_dutch(make, org, db)
    dutch, french = _reader(make, org, "nl"), _reader(make, org, "fr")
    shares = [due_share(member, post, account(db, member, provider="mastodon")) for member in (dutch, french)]
    db.session.commit()
    assert sorted(leases.claim_due_shares(worker_id="w", limit=10)) == sorted(s.id for s in shares)
    for share in shares:
        assert dispatch.publish_claimed(share.id, worker_id="w") == "published"
    sent = {request.idempotency_key: (request.language, request.title) for _, _, request in network.calls}
    assert sent == {shares[0].idempotency_key: ("nl", "Aspergeseizoen"),
                    shares[1].idempotency_key: ("en", "Asparagus season")}


def test_words_read_in_one_statement_choose_as_the_post_does(make, org, db):
    posts_ = [_with_dutch(make, org, db), make.post(make.campaign(org), captions={"x": "Seulement"}, lang="fr"),
              make.post(make.campaign(org), title="No words at all", captions={})]
    words = languages.words_of(posts_)
    readers = [_reader(make, org, locale) for locale in ("nl", "fr", "en", None)]
    for post in posts_:
        for reader in readers:
            assert languages.text_for_member(words[post.id], reader) == languages.text_for_member(post, reader)
    assert languages.words_of([]) == {}


def test_text_for_refuses_a_post_of_another_organization(make, org, db):
    post = _with_dutch(make, org, db)
    other = make.org()
    with pytest.raises(ValueError):
        languages.text_for(post, locale="nl", org=other)


def _data(**kw):
    base = dict(title="Store", link_url="https://shop.example/a", captions={"x": "Hello"})
    base.update(kw)
    return PostInput(**base)


def test_a_too_long_dutch_x_caption_refuses_the_save_naming_dutch(make, org, db):
    campaign = make.campaign(org)
    before = db.session.query(Post).count()
    data = _data(translations={"nl": LanguageInput(title="Winkel", captions={"x": "lang " * 80})})
    with pytest.raises(ContentError) as exc:
        posts.save_post(org=org, campaign=campaign, author=None, data=data)
    errors = {key: str(value[0] if isinstance(value, list) else value)
              for key, value in exc.value.field_errors.items()}
    assert set(errors) == {"caption_nl_x"}
    assert errors["caption_nl_x"].startswith("In Dutch:") and "X" in errors["caption_nl_x"]
    assert db.session.query(Post).count() == before  # nothing half-written
    # Short enough in both languages: saved, each language in its own rows.
    post, _stale = posts.save_post(org=org, campaign=campaign, author=None, data=_data(translations={
        "nl": LanguageInput(title="Winkel", summary="Open", captions={"x": "Hallo"})}))
    assert post.caption_for("x", "nl") == "Hallo" and post.caption_for("x", "en") == "Hello"
    assert post.translation("nl").title == "Winkel" and post.translation("en").title == "Store"


def test_languages_the_organization_does_not_write_in_are_not_stored(make, db):
    org = make.org(default_locale="en")
    org.content_languages = "en nl"
    post, _stale = posts.save_post(org=org, campaign=make.campaign(org), author=None, data=_data(translations={
        "fr": LanguageInput(title="Magasin", captions={"x": "Bonjour"}),
        "nl": LanguageInput(title="Winkel", captions={"x": "Hallo"})}))
    assert {c.lang for c in post.captions} == {"en", "nl"}
    assert {t.lang for t in post.translations} == {"en", "nl"}


def test_emptying_a_language_removes_its_words(make, org, db):
    campaign = make.campaign(org)
    post, _ = posts.save_post(org=org, campaign=campaign, author=None, data=_data(translations={
        "nl": LanguageInput(title="Winkel", captions={"x": "Hallo"})}))
    post, _ = posts.save_post(org=org, campaign=campaign, author=None, post=post,
                              data=_data(translations={"nl": LanguageInput()}))
    assert post.translation("nl") is None and post.caption_for("x", "nl") == ""
    assert post.caption_for("x", "en") == "Hello"


def _settings(org, **kw):
    values = {key: getattr(org, key) for key in org_settings.OrgSettings.fields() if hasattr(org, key)}
    values.update(kw)
    return org_settings.OrgSettings(**values)


def test_content_languages_setting_keeps_the_default_and_refuses_others(make, db):
    org = make.org(default_locale="nl")
    org_settings.update_settings(org=org, settings=_settings(org, post_languages=["fr"]))
    assert org.content_languages == "nl fr" and org.post_languages == ["nl", "fr"]
    with pytest.raises(ServiceError) as exc:
        org_settings.update_settings(org=org, settings=_settings(org, post_languages=["en", "de"]))
    assert exc.value.field == "post_languages"
    assert org.post_languages == ["nl", "fr"]  # unchanged
