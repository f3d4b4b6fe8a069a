"""The nl and fr catalogs are complete and keep every placeholder; pages render in each language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGS = Path(__file__).resolve().parent.parent / "ambassador" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


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
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            if sorted(set(PLACEHOLDER.findall(text))) != sorted(set(wanted)):
                problems.append(f"placeholders differ: {ids[0]!r} → {text!r}")
    missing = template - {m.id for m in catalog if m.id}
    assert problems == [] and missing == set(), (problems, sorted(missing)[:10])


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
