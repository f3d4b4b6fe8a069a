"""One survey, one hub: the tabs, the old addresses, the results fixes, keywords, follow-ups and reminders."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import Survey, SurveyResponse, nps_group, utcnow
from ambassador.services.nps import followups

from ..services.nps.followup_data import answer, respondent
from ..services.nps.test_surveys import make_invitation, make_survey
from .test_members import post_forms

SECTIONS = ("Overview", "Responses & insights", "Follow-ups", "Invitations & reminders", "Settings")


@pytest.fixture
def manager(make):
    return make.member(make.org(name="Bakkerij Peeters"), role="manager")


def _answers(db, survey, scores, **kw):
    for score in scores:
        db.session.add(SurveyResponse(org_id=survey.org_id, survey_id=survey.id, score=score,
                                      group=nps_group(score), **kw))
    db.session.flush()


def _tabs(html: str) -> list[tuple[str, bool]]:
    nav = re.search(r'<nav class="tabs hub-tabs" aria-label="Sections of this survey">(.*?)</nav>', html, re.S)
    assert nav, "no hub tabs"
    return [(label.strip(), "aria-current" in attrs)
            for attrs, label in re.findall(r"<a ([^>]*)>([^<]*)</a>", nav.group(1))]


def test_every_section_is_a_tab_of_the_same_hub(client, db, login, manager, make):
    survey = make_survey(make, db, org=manager.organization, title="Winkel survey")
    login(manager.user)
    paths = [f"/surveys/{survey.id}", f"/surveys/{survey.id}/responses", f"/surveys/{survey.id}/follow-ups",
             f"/surveys/{survey.id}/invitations", f"/surveys/{survey.id}/edit"]
    for current, path in enumerate(paths):
        html = client.get(path).get_data(as_text=True)
        tabs = _tabs(html)
        assert [label for label, _ in tabs] == list(SECTIONS), path
        assert [on for _, on in tabs] == [i == current for i in range(5)], path
        assert "Winkel survey" in html
        if path.endswith("/responses"):
            assert html.count("No comments yet.") == 1  # one empty state, not four empty keyword cards
    # One menu entry for everything NPS; no "Insights" entry any more
    nav = client.get("/surveys").get_data(as_text=True)
    menu = re.search(r'<details class="menu navmenu">\s*<summary class="is-current">Manage</summary>(.*?)</details>',
                     nav, re.S).group(1)
    assert ">Surveys</a>" in menu and ">Insights</a>" not in menu and ">Follow-ups</a>" not in menu


def test_a_curator_keeps_a_menu_entry_for_their_follow_ups(client, db, login, make):
    curator = make.member(make.org(), role="curator")
    login(curator.user)
    html = client.get("/follow-ups").get_data(as_text=True)
    assert 'href="/follow-ups" aria-current="page">Follow-ups</a>' in html and 'href="/surveys"' not in html


def test_old_addresses_lead_to_the_hub_sections(client, db, login, manager, make):
    survey = make_survey(make, db, org=manager.organization)
    login(manager.user)
    moved = {"/insights/": "/surveys",
             f"/insights/surveys/{survey.id}?group=detractor": f"/surveys/{survey.id}/responses?group=detractor",
             f"/surveys/{survey.id}/invite": f"/surveys/{survey.id}/invitations"}
    for old, new in moved.items():
        response = client.get(old)
        assert response.status_code == 301 and response.location == new, old
    # Only the page's own filters travel: url_for's own keywords in a query string are not obeyed
    odd = client.get(f"/insights/surveys/{survey.id}?theme=3&survey_id=9&_external=1&_scheme=javascript")
    assert odd.status_code == 301 and odd.location == f"/surveys/{survey.id}/responses?theme=3"


def test_too_few_answers_instead_of_a_margin_and_no_italics(client, db, login, manager, make):
    survey = make_survey(make, db, org=manager.organization)
    _answers(db, survey, [10, 0], store="Gent")
    _answers(db, survey, [9], store="Brugge")
    login(manager.user)
    html = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert not re.findall(r"±\d+", html)  # neither "0 ±139" (two answers) nor "±0" (a segment of one)
    assert html.count("too few answers") >= 3  # the score tile, the segment rows, the trend rows
    assert "nps-small-row" not in html and "italic" not in html
    _answers(db, survey, [10] * 4 + [8] * 3, store="Gent")  # 10 answers now: a margin
    html = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert re.search(r'<span class="nps-margin" title="95% margin of error">±\d+</span>', html)


def test_a_survey_created_today_shows_one_period_not_months_of_zeros(client, db, login, manager, make):
    survey = make_survey(make, db, org=manager.organization)
    login(manager.user)
    empty = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "No answers yet, so there is no score." in empty and "chart-nps-weeks" not in empty
    _answers(db, survey, [9])
    html = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    for chart in ("chart-nps-weeks", "chart-nps-months"):
        table = re.search(rf'id="{chart}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
        assert table.count("<tr>") == 1, chart
    assert "The trend starts with the first answer" in html


def test_keywords_are_listed_once_with_their_count_in_the_same_row(client, db, login, manager):
    from ..services.nps.insights_data import response, survey

    item = survey(db, manager.organization)
    for comment, language in [("Onvriendelijke bediening", "nl"), ("Onvriendelijke service", "nl"),
                              ("Cold food, slow service", "en"), ("Bad food", "en"), ("Service lent", "fr")]:
        response(db, item, 2, comment, language)
    login(manager.user)
    html = client.get(f"/surveys/{item.id}/responses").get_data(as_text=True)
    detractors = re.search(r'<ol class="ins-keywords" id="kw-detractor" role="list">(.*?)</ol>', html, re.S).group(1)
    rows = re.findall(r'<li><span class="ins-keywords__word">([^<]+)</span>\s*'
                      r'<span class="ins-keywords__count"[^>]*>([^<]+)</span></li>', detractors)
    assert len(rows) == detractors.count("<li>")  # every row has its word and its own count
    words = [word.casefold() for word, _ in rows]
    assert len(words) == len(set(words)) and dict(rows)["service"] == "3 answers"
    assert dict((w.casefold(), c) for w, c in rows)["onvriendelijke"] == "2 answers"


def test_follow_ups_section_shows_this_surveys_only(client, db, login, manager, make):
    org = manager.organization
    survey = make_survey(make, db, org=org, title="Repair survey")
    other = make_survey(make, db, org=org, title="Sales survey")
    answer(db, survey, 2, person=respondent(db, org, email="dirk@example.test"), comment="Brakes still squeak")
    answer(db, survey, 1, person=respondent(db, org, email="mute@example.test"))
    answer(db, other, 0, person=respondent(db, org, email="eva@example.test"), comment="Wrong invoice")
    login(manager.user)
    html = client.get(f"/surveys/{survey.id}/follow-ups").get_data(as_text=True)
    assert "Brakes still squeak" in html and "Wrong invoice" not in html
    assert '<span class="no-comment">(no comment)</span>' in html  # italics where they mean something
    assert re.search(r'>Open <span class="num">\(2\)</span></a>', html)
    resolved = client.get(f"/surveys/{survey.id}/follow-ups?status=resolved").get_data(as_text=True)
    assert "No follow-ups with this status." in resolved
    assert f'href="/follow-ups/passives?survey={survey.id}"' in html
    assert f'href="/promoters?survey={survey.id}"' in html
    assert followups.status_counts(org=org, survey_id=other.id)["open"] == 1


def test_reminder_setting_and_who_was_reminded(client, db, login, manager, make):
    survey = make_survey(make, db, org=manager.organization)
    reminded = make_invitation(db, survey, email="an@example.test")
    reminded.reminded_at = utcnow() - timedelta(days=1)
    make_invitation(db, survey, email="ben@example.test")
    login(manager.user)
    saved = client.post(f"/surveys/{survey.id}/reminders", data={"days": "3"})
    assert saved.status_code == 302 and saved.location.endswith(f"/surveys/{survey.id}/invitations#reminders")
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).remind_after_days == 3
    page = client.get(f"/surveys/{survey.id}/invitations").get_data(as_text=True)
    assert "one reminder 3 days after their invitation" in page  # the flash
    assert '<option selected value="3">After 3 days</option>' in page
    assert "an@example.test" in page and "ben@example.test" in page and "1 reminded" in page
    refused = client.post(f"/surveys/{survey.id}/reminders", data={"days": "99"})
    assert refused.status_code == 422 and "Not a valid choice" in refused.get_data(as_text=True)
    assert client.post(f"/surveys/{survey.id}/reminders", data={"days": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).remind_after_days is None


def test_hub_forms_carry_csrf_and_refuse_without_it(client, app, db, login, manager, make):
    survey = make_survey(make, db, org=manager.organization)
    login(manager.user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for path in (f"/surveys/{survey.id}/invitations", f"/surveys/{survey.id}/responses"):
            for form in post_forms(client.get(path).get_data(as_text=True)):
                assert "csrf_token" in form["inputs"], (path, form["action"])
        assert client.post(f"/surveys/{survey.id}/reminders", data={"days": "3"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).remind_after_days is None


def test_another_organizations_hub_is_not_found(client, db, login, manager, make):
    theirs = make_survey(make, db, title="Their survey")
    login(manager.user)
    assert client.post(f"/surveys/{theirs.id}/reminders", data={"days": "3"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Survey, theirs.id).remind_after_days is None
    assert sa is not None
