"""Keywords in Dutch, French and English; theme tagging with manual corrections that survive re-tagging."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ambassador.models import ResponseTag
from ambassador.services.nps import text, themes

from .insights_data import response, survey, theme

DUTCH = [
    ("De medewerkers waren heel vriendelijk en de service was snel.", "nl"),
    ("Vriendelijke mensen, de vriendelijkheid van het personeel is top.", "nl"),
    ("Het personeel is vriendelijk maar de levering duurde lang.", "nl"),
    ("De levering was te laat en het pakket was beschadigd.", "nl"),
]
FRENCH = [
    ("Le personnel était très aimable et la livraison rapide.", "fr"),
    ("L'accueil chaleureux, le personnel souriant. La livraison a pris du temps.", "fr"),
    ("Un accueil parfait, l'équipe est accueillante et la livraison soignée.", "fr"),
]
ENGLISH = [
    ("The staff were very friendly and the delivery was quick.", "en"),
    ("Friendly staff, but the delivery was late.", "en"),
    ("The prices are high but the staff is helpful.", "en"),
]
STOP = {"de", "het", "een", "en", "van", "le", "la", "les", "et", "du", "the", "and", "was", "is", "est", "était"}


def _by_stem(keywords):
    return {k.stem: k for k in keywords}


def test_dutch_keywords_drop_stop_words_and_merge_variants_by_stem():
    keywords = text.extract_keywords(DUTCH)
    words = [k.word for k in keywords]
    assert not STOP & set(words)
    friendly = _by_stem(keywords)["vriendelijk"]
    # vriendelijk, vriendelijke, vriendelijkheid: one keyword, three answers, shown as the most frequent form.
    assert friendly.responses == 3
    assert friendly.word == "vriendelijk"
    assert set(friendly.forms) == {"vriendelijk", "vriendelijke", "vriendelijkheid"}
    assert words.count("vriendelijk") == 1 and "vriendelijke" not in words
    assert keywords[0].stem == "vriendelijk"  # the most mentioned comes first
    assert _by_stem(keywords)[text.stem("levering", "nl")].responses == 2
    assert "heel" not in words  # an intensifier, not a subject


def test_french_keywords_drop_stop_words_and_elisions():
    keywords = text.extract_keywords(FRENCH)
    words = [k.word for k in keywords]
    assert not STOP & set(words)
    assert not any("'" in w for w in words)  # "l'accueil" is counted as "accueil"
    stems = _by_stem(keywords)
    assert stems["livraison"].responses == 3
    assert stems["personnel"].responses == 2
    # accueil, accueil, accueillante → one stem (in two answers), shown as "accueil".
    assert stems["accueil"].responses == 2 and stems["accueil"].word == "accueil"
    assert stems["accueil"].forms == {"accueil": 2, "accueillante": 1}
    assert "très" not in words


def test_english_keywords_and_mixed_languages():
    keywords = text.extract_keywords(ENGLISH + DUTCH[:1])
    stems = _by_stem(keywords)
    assert stems["staff"].responses == 3
    assert stems["friend"].responses == 2 and stems["friend"].word == "friendly"
    assert "medewerker" in stems  # the Dutch answer is read with Dutch rules
    assert not STOP & {k.word for k in keywords}


def test_empty_comments_give_no_keywords():
    assert text.extract_keywords([("", "nl"), ("   ", "fr")]) == []
    assert text.extract_keywords([("de het een", "nl")]) == []


def test_survey_keywords_per_group(db, make):
    org = make.org()
    item = survey(db, org)
    response(db, item, 10, "Zeer vriendelijk personeel", "nl")
    response(db, item, 9, "Vriendelijke medewerkers", "nl")
    response(db, item, 3, "De levering was veel te laat", "nl")
    response(db, item, 2, "La livraison était en retard", "fr")
    response(db, item, 8, "", "en")
    other = survey(db, make.org())
    response(db, other, 1, "Vriendelijk maar duur", "nl")
    result = text.survey_keywords(survey=item)
    assert _by_stem(result["promoter"])["vriendelijk"].responses == 2
    assert text.stem("levering", "nl") not in _by_stem(result["promoter"])
    detractors = _by_stem(result["detractor"])
    assert detractors[text.stem("levering", "nl")].responses == 1
    assert detractors["livraison"].responses == 1
    assert result["passive"] == []
    overall = _by_stem(result["all"])
    assert overall["vriendelijk"].responses == 2  # another organization's answer is not counted
    assert "duur" not in overall


@pytest.mark.parametrize("comment, language", [
    ("Het personeel was behulpzaam", "nl"),
    ("L'accueil était parfait", "fr"),
    ("The staff helped a lot", "en"),
    ("Personeel super", "en"),  # language set wrong: the other stemmers still find it
])
def test_a_keyword_stem_in_any_language_tags_the_response(db, make, comment, language):
    org = make.org()
    service = theme(db, org, "Service", "personeel", "accueil", "staff", "service")
    price = theme(db, org, "Price", "prijs", "prix", "price", "expensive")
    answer = response(db, survey(db, org), 9, comment, language)
    text.tag_response(answer)
    tags = db.session.scalars(sa.select(ResponseTag).where(ResponseTag.response_id == answer.id)).all()
    assert [(t.theme_id, t.source, t.removed) for t in tags] == [(service.id, "auto", False)]
    assert price.id not in {t.theme_id for t in tags}


def test_variants_and_phrases_match_by_stem(db, make):
    org = make.org()
    friendly = theme(db, org, "Friendliness", "vriendelijkheid")
    waiting = theme(db, org, "Waiting", "temps d'attente")
    item = survey(db, org)
    kind = response(db, item, 10, "Wat een vriendelijke mensen!", "nl")
    slow = response(db, item, 4, "Le temps d'attente à la caisse était trop long", "fr")
    only_time = response(db, item, 6, "Cela prend du temps", "fr")
    text.retag_survey(item)
    tags = themes.tags_of(org_id=org.id, response_ids=[kind.id, slow.id, only_time.id])
    assert [t.theme_id for t in tags[kind.id]] == [friendly.id]
    assert [t.theme_id for t in tags[slow.id]] == [waiting.id]
    assert tags[only_time.id] == []  # a phrase needs all its words


def test_manual_corrections_survive_retagging(db, make):
    org = make.org()
    service = theme(db, org, "Service", "personeel", "service")
    price = theme(db, org, "Price", "prijs", "duur")
    item = survey(db, org)
    answer = response(db, item, 5, "Het personeel was vriendelijk", "nl")
    text.retag_survey(item)

    def state():
        tags = themes.tags_of(org_id=org.id, response_ids=[answer.id])[answer.id]
        return {t.theme.name: (t.source, t.removed) for t in tags}

    assert state() == {"Service": ("auto", False)}
    themes.set_tag(response=answer, theme=service, present=False)  # the manager disagrees
    themes.set_tag(response=answer, theme=price, present=True)  # and adds a theme by hand
    for _ in range(2):
        text.retag_survey(item)
        text.tag_response(answer)
        assert state() == {"Service": ("manual", True), "Price": ("manual", False)}
    # Keyword changes re-tag everything but still leave manual rows alone.
    themes.update_theme(theme=price, name="Price", keywords_text="prijs, kost")
    assert state() == {"Service": ("manual", True), "Price": ("manual", False)}
    # Forgetting the corrections brings back what the comment says.
    themes.reset_tags(response=answer)
    assert state() == {"Service": ("auto", False)}


def test_retag_drops_automatic_tags_the_keywords_no_longer_match(db, make):
    org = make.org()
    item = survey(db, org)
    answer = response(db, item, 9, "Great prices", "en")
    price = themes.create_theme(org_id=org.id, name="Price", keywords_text="price\ncost")
    assert [t.theme_id for t in themes.tags_of(org_id=org.id, response_ids=[answer.id])[answer.id]] == [price.id]
    themes.update_theme(theme=price, name="Price", keywords_text="cost")
    assert themes.tags_of(org_id=org.id, response_ids=[answer.id])[answer.id] == []
    assert text.retag_survey(item) == 0  # idempotent: nothing left to change


def test_theme_input_is_checked(db, make):
    org = make.org()
    themes.create_theme(org_id=org.id, name="Service", keywords_text="staff")
    with pytest.raises(themes.ThemeError) as caught:
        themes.create_theme(org_id=org.id, name=" service ", keywords_text=" , ;")
    assert set(caught.value.field_errors) == {"name", "keywords"}
    with pytest.raises(themes.ThemeError) as caught:
        themes.create_theme(org_id=org.id, name="Numbers", keywords_text="123")
    assert set(caught.value.field_errors) == {"keywords"}
    assert themes.parse_keywords("Staff, staff;  Customer   Service\nPrix") == ["staff", "customer service", "prix"]
    # The same name in another organization is fine.
    assert themes.create_theme(org_id=make.org().id, name="Service", keywords_text="staff").id


def test_theme_counts_per_group(db, make):
    org = make.org()
    service = theme(db, org, "Service", "staff", "personeel")
    price = theme(db, org, "Price", "price", "prijs")
    unused = theme(db, org, "Parking", "parking")
    item = survey(db, org)
    response(db, item, 10, "Lovely staff", "en")
    response(db, item, 9, "Het personeel is top", "nl")
    response(db, item, 9, "Good price", "en")
    response(db, item, 8, "Staff ok, price ok", "en")
    response(db, item, 2, "Price too high", "en")
    response(db, item, 1, "Te hoge prijs en onvriendelijk personeel", "nl")
    response(db, item, 0, "")
    corrected = response(db, item, 3, "Nobody helped me", "en")
    response(db, survey(db, org), 1, "Staff was rude", "en")  # another survey
    response(db, survey(db, make.org()), 1, "Staff was rude", "en")  # another organization
    text.retag_survey(item)
    themes.set_tag(response=corrected, theme=service, present=True)

    table = themes.theme_counts(survey=item)
    assert table.commented == {"promoter": 3, "passive": 1, "detractor": 3}
    rows = {r.theme.name: r for r in table.rows}
    assert rows["Service"].counts == {"promoter": 2, "passive": 1, "detractor": 2}
    assert rows["Price"].counts == {"promoter": 1, "passive": 1, "detractor": 2}
    assert rows["Parking"].counts == {"promoter": 0, "passive": 0, "detractor": 0}
    assert rows["Service"].shares == {"promoter": 67, "passive": 100, "detractor": 67}
    assert [r.theme.id for r in table.rows] == [service.id, price.id, unused.id]

    # A removal by hand no longer counts.
    themes.set_tag(response=corrected, theme=service, present=False)
    assert {r.theme.name: r for r in themes.theme_counts(survey=item).rows}["Service"].counts["detractor"] == 1


def test_deleting_a_theme_deletes_its_tags(db, make):
    org = make.org()
    item = survey(db, org)
    answer = response(db, item, 9, "Great staff", "en")
    service = themes.create_theme(org_id=org.id, name="Service", keywords_text="staff")
    themes.delete_theme(theme=service)
    assert themes.tags_of(org_id=org.id, response_ids=[answer.id])[answer.id] == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ResponseTag)) == 0


def test_the_same_word_from_two_languages_is_one_keyword_with_both_counts():
    # English stems "service" to "servic", Dutch keeps "service": two stems, one word on the page
    assert text.stem("service", "en") != text.stem("service", "nl")
    comments = [("Great service, lovely staff.", "en"), ("Friendly service and staff.", "en"),
                ("Super service, we komen terug!", "nl"), ("Snelle service, lekker eten.", "nl"),
                ("Service impeccable, personnel accueillant.", "fr")]
    keywords = text.extract_keywords(comments, top=30)
    shown = [kw.word.casefold() for kw in keywords]
    assert shown.count("service") == 1 and len(shown) == len(set(shown))
    service = next(kw for kw in keywords if kw.word.casefold() == "service")
    assert service.responses == 5  # every answer that says it, whatever its language


def test_survey_keyword_lists_have_no_duplicate_words(db, make):
    item = survey(db, make.org())
    for comment, language in [("Great service", "en"), ("Good service here", "en"), ("Super service", "nl"),
                              ("Service top", "nl"), ("Service rapide", "fr")]:
        response(db, item, 10, comment, language)
    keywords = text.survey_keywords(survey=item)
    for group in ("all", "promoter"):
        words = [kw.word.casefold() for kw in keywords[group]]
        assert len(words) == len(set(words)), (group, words)
        assert next(kw.responses for kw in keywords[group] if kw.word.casefold() == "service") == 5
