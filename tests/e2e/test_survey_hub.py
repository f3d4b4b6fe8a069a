"""The survey hub in a real browser: each keyword's count stays on its own row at desktop and phone width
(a floated count once dropped beside the next row: "food 2 answers2 answers"), and no page scrolls sideways."""
from __future__ import annotations

import pytest

from ambassador.extensions import db as _db

from ..factories import PASSWORD, Factory
from ..services.nps.insights_data import response, survey
from .conftest import log_in

MANAGER = "hub-manager@e2e.test"
DETRACTOR_COMMENTS = [("Onvriendelijke bediening, onvriendelijke ober", "nl"), ("Onvriendelijke service", "nl"),
                      ("Cold food, slow service", "en"), ("Bad food and unfriendly staff", "en"),
                      ("Service désagréable", "fr"), ("Onvriendelijk en traag", "nl")]
# For each keyword row: does the count's box sit inside its row's box, beside or under its own word?
ROWS = """list => [...list.querySelectorAll('li')].map(li => {
  const row = li.getBoundingClientRect();
  const word = li.querySelector('.ins-keywords__word').getBoundingClientRect();
  const count = li.querySelector('.ins-keywords__count').getBoundingClientRect();
  return {word: li.querySelector('.ins-keywords__word').textContent,
          inside: count.top >= row.top - 1 && count.bottom <= row.bottom + 1,
          notBefore: count.top >= word.top - 1, right: count.right <= row.right + 1};
})"""


@pytest.fixture(scope="module")
def hub_survey(live_server):
    with live_server.session():
        make = Factory(_db)
        org = make.org(name="Hub Brasserie")
        make.member(org, role="manager", email=MANAGER, name="Mona Manager")
        item = survey(_db, org, title="Dinner survey")
        for comment, language in DETRACTOR_COMMENTS:
            response(_db, item, 3, comment, language)
        return item.id


@pytest.mark.parametrize("width", [1280, 390])
def test_keyword_counts_stay_in_their_rows(page, hub_survey, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, MANAGER, PASSWORD)
    page.goto(f"/surveys/{hub_survey}/responses")
    rows = page.locator("#kw-detractor").evaluate(ROWS)
    assert rows and all(r["inside"] and r["notBefore"] and r["right"] for r in rows), rows
    words = [r["word"].casefold() for r in rows]
    assert len(words) == len(set(words)), words
    for path in ("", "/responses", "/follow-ups", "/invitations", "/edit"):
        page.goto(f"/surveys/{hub_survey}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        assert page.get_by_role("navigation", name="Sections of this survey").get_by_role("link").count() == 5
