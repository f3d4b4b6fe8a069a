"""The nl and fr catalogs are complete and keep every placeholder; pages render in each language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGS = Path(__file__).resolve().parent.parent / "ambassador" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
# A number in a message: any %(x)d, and the %(x)s names the code fills with a number.
NUMBER = re.compile(r"%\((\w+)\)d|%\((n|num|count|total|points|quantity|sharing|days|rank)\)s")
# Numbers that are not a count of something, by placeholder name: nothing in the sentence agrees with them.
NOT_A_COUNT = {
    "score": "a 0–10 rating given in a survey (“answered 7”, “a score of 7”), not a quantity",
    "row": "the line number of an uploaded file, a position",
}
# Counts that no word agrees with in English, Dutch or French, so a plural form would be the same text twice.
STANDALONE_NUMBERS = {
    "Page %(n)d of %(total)d": "page position: “Page 2 of 5”",
    "Aspect %(n)d": "the ordinal of a form section: “Aspect 3”",
    "previous period: %(n)d": "a figure after a colon, next to the same figure for this period",
    "previous period: %(n)s": "a figure after a colon, next to the same figure for this period",
    "Promoters (9–10): %(n)d (%(p)d%%)": "a figure after a colon and a percentage",
    "Passives (7–8): %(n)d (%(p)d%%)": "a figure after a colon and a percentage",
    "Detractors (0–6): %(n)d (%(p)d%%)": "a figure after a colon and a percentage",
    "Not yet: %(value)d of %(goal)d": "a fraction of progress: “Not yet: 40 of 100”",
    "Teams shown: %(shown)s of %(total)s. Ticked: %(ticked)s.":
        "figures after colons, filled in by the browser as the list is filtered",
    "Enter a target between 1 and %(max)d, or leave it empty.": "a bound at the end of the sentence",
    "Clicks on your tracked links count when a person clicks: bots and link previews never count, one click per "
    "visitor per link per hour, and at most %(cap)d a day per visitor and link.": "a cap followed by “a day”",
    "Points earned count as on the leaderboard (spending them does not lower your score), within the daily caps: "
    "%(share_cap)d for shares and %(click_cap)d for clicks.": "caps after a colon, each with its own noun phrase",
    "Top ambassador: %(name)s (%(points)s).": "points arrive already counted (ngettext “%(num)d points”)",
    "your team is #%(rank)d": "a position (“#3”)",
    "you are #%(rank)d": "a position (“#3”)",
    "Your team %(team)s is #%(rank)d of %(total)d with %(score)s.": "a position out of a total, like “Page 2 of 5”",
    "You are #%(rank)d of %(total)d with %(score)s.": "a position out of a total, like “Page 2 of 5”",
    "Rank %(rank)d of %(ranked)d": "a position out of a total, like “Page 2 of 5”",
    "%(score)s of %(target)d": "a fraction of progress: “40 of 100”",
    "%(score)d of %(target)d": "a fraction of progress: “40 of 100”",
    "Target: %(target)d — the bars show how close each participant is.": "a figure after a colon",
    "By campaign (top %(n)d)": "“top 5”: the noun (campaign) is outside the count",
    "Enter a number of points between 1 and %(max)d.": "a bound at the end of the sentence",
    "Enter a stock between 0 and %(max)d, or leave it empty for unlimited.": "a bound; no noun follows it",
    "The image is larger than %(mb)d MB.": "a unit symbol (MB), the same for every number",
    "%(network)s %(quantity)s impressions / 1,000 × %(coefficient)s":
        "a written-out formula (“12 impressions / 1,000 × 5.00”): impressions is a unit there",
    "%(network)s %(quantity)s %(metric)s × %(coefficient)s":
        "a written-out formula (“12 clicks × 1.50”): the metric name is a unit there",
}


@pytest.mark.parametrize("locale", ["nl", "fr"])
def test_catalog_complete_with_same_placeholders(locale):
    with (CATALOGS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    template = {m.id for m in read_po((CATALOGS / "messages.pot").open("rb")) if m.id}
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for index, text in enumerate(strings):
            found = set(PLACEHOLDER.findall(text))
            # The first form of a plural may leave out what the English singular leaves out
            # ("Your share is going out now." / "Your %(num)d shares …"), never more.
            allowed = set(PLACEHOLDER.findall(ids[0])) if len(ids) > 1 and index == 0 else wanted
            if not allowed <= found <= wanted:
                problems.append(f"placeholders differ: {ids[0]!r} → {text!r}")
    missing = template - {m.id for m in catalog if m.id}
    assert problems == [] and missing == set(), (problems, sorted(missing)[:10])


def test_messages_with_a_count_are_plural():
    """A number in a message goes through ngettext ("1 day" / "2 days"; "1 dag" / "2 dagen"), unless it is not
    a count (NOT_A_COUNT) or nothing agrees with it (STANDALONE_NUMBERS, each with its reason)."""
    template = read_po((CATALOGS / "messages.pot").open("rb"))
    singular_with_number = []
    seen = set()
    for message in template:
        if not message.id or isinstance(message.id, tuple):
            continue
        seen.add(message.id)
        names = {a or b for a, b in NUMBER.findall(message.id)} - set(NOT_A_COUNT)
        if names and message.id not in STANDALONE_NUMBERS:
            singular_with_number.append(message.id)
    assert singular_with_number == [], "use ngettext (or npgettext) for these messages: " + repr(singular_with_number)
    assert set(STANDALONE_NUMBERS) <= seen, sorted(set(STANDALONE_NUMBERS) - seen)  # no stale exceptions


@pytest.mark.parametrize(("language", "expected"), [("nl", 'lang="nl"'), ("fr", 'lang="fr"')])
def test_login_page_in_browser_language(client, language, expected):
    html = client.get("/login", headers={"Accept-Language": language}).get_data(as_text=True)
    assert expected in html
    english = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Forgot your password?" in english and "Forgot your password?" not in html


def test_member_choice_beats_browser(client, make, login, db):
    member = make.member(make.org(default_locale="fr"))
    member.user.locale = "nl"
    db.session.flush()
    login(member.user)
    html = client.get("/profile", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'lang="nl"' in html


def test_organization_default_when_browser_names_no_known_language(client, make, login):
    member = make.member(make.org(default_locale="fr"))
    login(member.user)
    html = client.get("/profile", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert 'lang="fr"' in html


def test_contexts_and_plurals_reach_the_pages(app):
    """One English word, two French genders (msgctxt), and plural forms, as templates render them."""
    from flask import render_template_string
    from flask_babel import force_locale

    page = ('{{ pgettext("survey", "Open") }}|{{ pgettext("poll", "Open") }}|'
            '{{ ngettext("%(num)d place up, was %(rank)s", "%(num)d places up, was %(rank)s", n, rank=5) }}')
    with app.test_request_context():
        with force_locale("fr"):
            assert render_template_string(page, n=1) == "Ouverte|Ouvert|1 place gagnée, rang précédent\u00a0: 5"
            assert render_template_string(page, n=3).endswith("3 places gagnées, rang précédent\u00a0: 5")
        with force_locale("nl"):
            assert render_template_string(page, n=1) == "Open|Open|1 plaats gestegen, was 5"
            assert render_template_string(page, n=2).endswith("2 plaatsen gestegen, was 5")
