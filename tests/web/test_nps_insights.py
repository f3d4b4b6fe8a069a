"""NPS insights pages: managers only, themes CRUD, the survey page, tag corrections, tenant isolation."""
from __future__ import annotations

import sqlalchemy as sa

from ambassador.models import ResponseTag, Theme

from ..services.nps.insights_data import response, survey, theme


def _manager(make, login, org=None, role="manager"):
    member = make.member(org or make.org(), role=role)
    login(member.user)
    return member


def _tags(db, answer):
    rows = db.session.scalars(sa.select(ResponseTag).where(ResponseTag.response_id == answer.id))
    return {(t.theme.name, t.source, t.removed) for t in rows}


def test_ambassadors_and_curators_are_refused(client, make, login):
    member = _manager(make, login, role="curator")
    item = survey(make.db, member.organization)
    for path in ("/insights/", "/insights/themes", f"/insights/surveys/{item.id}"):
        assert client.get(path).status_code == 403
    client.post("/logout")
    assert client.get("/insights/").status_code == 302  # to the login page


def test_create_edit_and_delete_a_theme(client, db, make, login):
    member = _manager(make, login)
    item = survey(db, member.organization)
    answer = response(db, item, 10, "Het personeel was super vriendelijk", "nl")

    page = client.get("/insights/themes")
    assert page.status_code == 200 and "Add a theme" in page.get_data(as_text=True)
    bad = client.post("/insights/themes", data={"name": "Service", "keywords": " ,, "})
    assert bad.status_code == 200 and "Add at least one keyword." in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Theme)) == 0  # nothing half-written

    done = client.post("/insights/themes", data={"name": "Service", "keywords": "staff, personeel\naccueil"})
    assert done.status_code == 302
    service = db.session.scalar(sa.select(Theme).where(Theme.org_id == member.org_id))
    assert service.keywords == ["staff", "personeel", "accueil"]
    assert _tags(db, answer) == {("Service", "auto", False)}  # tagged on creation

    duplicate = client.post("/insights/themes", data={"name": "service", "keywords": "x"})
    assert "There is already a theme with this name." in duplicate.get_data(as_text=True)

    edit = client.get(f"/insights/themes/{service.id}")
    assert "staff, personeel, accueil" in edit.get_data(as_text=True)
    assert client.post(f"/insights/themes/{service.id}", data={"name": "Staff", "keywords": "staff"}).status_code == 302
    db.session.expire_all()
    assert _tags(db, answer) == set()  # "personeel" is no longer a keyword

    assert client.post(f"/insights/themes/{service.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Theme)) == 0


def test_survey_page_shows_keywords_themes_and_drivers(client, db, make, login):
    member = _manager(make, login)
    org = member.organization
    theme(db, org, "Delivery", "levering", "livraison", "delivery")
    item = survey(db, org, title="Winter survey", aspects=("Speed",))
    for i in range(10):
        response(db, item, 10 if i % 2 else 3, "De levering was snel" if i % 2 else "La livraison était lente",
                 "nl" if i % 2 else "fr", aspects={"Speed": 9 if i % 2 else 2})
    body = client.get(f"/surveys/{item.id}/responses").get_data(as_text=True)
    assert "Winter survey" in body
    assert "levering" in body and "livraison" in body  # keywords
    assert ">Delivery</a>" in body  # the theme table, tagged on page load
    assert "+1.00" in body and "not enough data" not in body  # 10 answers: enough for a correlation
    assert "How to read this" in body
    tagged = db.session.scalar(sa.select(sa.func.count()).select_from(ResponseTag).where(ResponseTag.org_id == org.id))
    assert tagged == 10


def test_answers_are_paginated_and_filtered_by_group(client, db, make, login):
    member = _manager(make, login)
    item = survey(db, member.organization)
    for i in range(22):
        response(db, item, 9, f"Promoter comment number {i:02d}", "en")
    response(db, item, 1, "The only detractor", "en")
    first = client.get(f"/surveys/{item.id}/responses").get_data(as_text=True)
    assert f"/surveys/{item.id}/responses?page=2" in first and "The only detractor" in first  # newest first
    second = client.get(f"/surveys/{item.id}/responses?page=2").get_data(as_text=True)
    assert "Promoter comment number 00" in second and "Promoter comment number 21" not in second
    detractors = client.get(f"/surveys/{item.id}/responses?group=detractor").get_data(as_text=True)
    assert "The only detractor" in detractors and "Promoter comment number" not in detractors


def test_not_enough_data_is_said(client, db, make, login):
    member = _manager(make, login)
    item = survey(db, member.organization, aspects=("Price",))
    response(db, item, 9, "ok", "en", aspects={"Price": 8})
    body = client.get(f"/surveys/{item.id}/responses").get_data(as_text=True)
    assert "not enough data" in body


def test_manual_corrections_through_the_page_survive_retagging(client, db, make, login):
    member = _manager(make, login)
    org = member.organization
    service = theme(db, org, "Service", "staff")
    price = theme(db, org, "Price", "price")
    item = survey(db, org)
    answer = response(db, item, 4, "The staff ignored me", "en")
    client.get(f"/surveys/{item.id}/responses")
    assert _tags(db, answer) == {("Service", "auto", False)}

    url = f"/insights/surveys/{item.id}/answers/{answer.id}/tags"
    page = f"/surveys/{item.id}/responses?group=detractor"
    back = client.post(url, data={"theme_id": service.id, "action": "remove", "next": page})
    assert back.status_code == 302 and back.location.endswith(f"{page}#answer-{answer.id}")
    client.post(url, data={"theme_id": price.id, "action": "add"})
    assert client.post(f"/insights/surveys/{item.id}/retag").status_code == 302
    client.get(f"/surveys/{item.id}/responses")
    db.session.expire_all()
    assert _tags(db, answer) == {("Service", "manual", True), ("Price", "manual", False)}
    body = client.get(f"/surveys/{item.id}/responses?theme={price.id}").get_data(as_text=True)
    assert "The staff ignored me" in body and "<s>Service</s> · removed by hand" in body
    by_service = client.get(f"/surveys/{item.id}/responses?theme={service.id}").get_data(as_text=True)
    assert "The staff ignored me" not in by_service

    evil = client.post(url, data={"theme_id": price.id, "action": "add", "next": "//evil.example/x"})
    assert evil.location.startswith(f"/surveys/{item.id}/responses")
    client.post(f"/insights/surveys/{item.id}/answers/{answer.id}/reset")
    db.session.expire_all()
    assert _tags(db, answer) == {("Service", "auto", False)}


def test_tenant_isolation(client, db, make, login):
    mine = _manager(make, login)
    other_org = make.org()
    their_theme = theme(db, other_org, "Secret theme", "secretword")
    their_survey = survey(db, other_org, title="Their secret survey")
    their_answer = response(db, their_survey, 2, "secretword everywhere", "en")
    my_survey = survey(db, mine.organization, title="My survey")
    my_theme = theme(db, mine.organization, "Mine", "secretword")
    my_answer = response(db, my_survey, 9, "nice", "en")

    assert "Their secret survey" not in client.get("/surveys").get_data(as_text=True)
    assert "Secret theme" not in client.get("/insights/themes").get_data(as_text=True)
    assert client.get(f"/surveys/{their_survey.id}/responses").status_code == 404
    assert client.post(f"/insights/surveys/{their_survey.id}/retag").status_code == 404
    assert client.get(f"/insights/themes/{their_theme.id}").status_code == 404
    assert client.post(f"/insights/themes/{their_theme.id}", data={"name": "x", "keywords": "y"}).status_code == 404
    assert client.post(f"/insights/themes/{their_theme.id}/delete").status_code == 404
    # Their answer through my survey's URL, their theme on my answer: both refused.
    assert client.post(f"/insights/surveys/{my_survey.id}/answers/{their_answer.id}/tags",
                       data={"theme_id": my_theme.id}).status_code == 404
    assert client.post(f"/insights/surveys/{my_survey.id}/answers/{my_answer.id}/tags",
                       data={"theme_id": their_theme.id}).status_code == 404
    assert client.post(f"/insights/surveys/{their_survey.id}/answers/{their_answer.id}/reset").status_code == 404
    page = client.get(f"/surveys/{my_survey.id}/responses?theme={my_theme.id}").get_data(as_text=True)
    assert "secretword everywhere" not in page
    # My theme with the same keyword never tags their answer.
    assert _tags(db, their_answer) == set()
    assert client.get(f"/surveys/{my_survey.id}/responses?theme={their_theme.id}").status_code == 404
