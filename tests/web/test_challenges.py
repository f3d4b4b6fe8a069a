"""Challenge pages through the test client: the manager's form (validation, CSRF), publishing, the list, the
page (rules, board, progress bar, my position), roles and tenant isolation."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import Challenge, utcnow
from ambassador.services.community import points


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def org(make):
    return make.org(name="Contest Org")


@pytest.fixture
def manager(make, org):
    return make.member(org, role="manager", name="Mia Manager")


def fields(org, **kw) -> dict:
    today = points.local_day(org)
    data = {"title": "Spring sprint", "description": "Share the spring articles", "goal": "shares",
            "mode": "individual", "kind": "all", "first_day": today.isoformat(),
            "last_day": (today + timedelta(days=6)).isoformat(), "target": "5", "reward_id": "0"}
    data.update(kw)
    return data


def test_a_manager_creates_publishes_and_members_see_the_live_board(db, make, act, login, client, org, manager):
    login(manager.user)
    refused = client.post("/challenges/new", data=fields(org, last_day="2020-01-01"))
    assert refused.status_code == 422
    assert "The challenge must end on or after its first day." in text(refused)
    assert db.session.scalar(sa.select(sa.func.count(Challenge.id))) == 0
    created = client.post("/challenges/new", data=fields(org))
    assert created.status_code == 303
    item = db.session.scalars(sa.select(Challenge)).one()
    assert (item.status, item.goal, item.target, item.org_id) == ("draft", "shares", 5, org.id)
    assert client.post(f"/challenges/{item.id}/publish").status_code == 303
    db.session.refresh(item)
    assert item.status == "scheduled"
    ann = make.member(org, name="Ann")
    act.share(ann, make.post(make.campaign(org)), utcnow())
    item.status = "running"
    db.session.flush()
    client.post("/logout")
    login(ann.user)
    page = text(client.get(f"/challenges/{item.id}"))
    assert "You are #1 of 2 with 1 share." in page and "7 days left, today included." in page
    assert '<progress value="1" max="5"' in page and "1 share of 5" in page
    assert "Facebook shares never count" in page and "Equal scores share a rank" in page
    assert "Spring sprint" in text(client.get("/challenges"))
    assert client.get("/challenges/new").status_code == 403  # members do not manage challenges


def test_drafts_are_for_staff_only(db, make, login, client, org, manager):
    draft = Challenge(org_id=org.id, title="Secret draft", goal="clicks", first_day=utcnow().date(),
                      last_day=utcnow().date())
    db.session.add(draft)
    db.session.flush()
    login(make.member(org).user)
    assert client.get(f"/challenges/{draft.id}").status_code == 404
    assert "Secret draft" not in text(client.get("/challenges"))


def test_every_form_needs_its_csrf_token(app, db, login, client, org, manager, monkeypatch):
    draft = Challenge(org_id=org.id, title="Draft", goal="clicks", first_day=utcnow().date(),
                      last_day=utcnow().date())
    db.session.add(draft)
    db.session.flush()
    login(manager.user)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for path in ("/challenges/new", f"/challenges/{draft.id}/edit", f"/challenges/{draft.id}/publish",
                 f"/challenges/{draft.id}/delete"):
        assert client.post(path, data=fields(org)).status_code == 400, path
    for path in ("/challenges/new", f"/challenges/{draft.id}", f"/challenges/{draft.id}/edit"):
        page = text(client.get(path))
        assert page.count('name="csrf_token"') >= page.count('method="post"'), path
    db.session.refresh(draft)
    assert draft.status == "draft" and draft.title == "Draft"


def test_no_challenge_url_reaches_another_organization(db, make, login, client, org):
    item = Challenge(org_id=org.id, title="Ours", goal="shares", status="running", first_day=utcnow().date(),
                     last_day=utcnow().date())
    db.session.add(item)
    db.session.flush()
    login(make.member(make.org(name="Other Org"), role="admin").user)
    for method, path in [("get", f"/challenges/{item.id}"), ("get", f"/challenges/{item.id}/edit"),
                         ("post", f"/challenges/{item.id}/edit"), ("post", f"/challenges/{item.id}/publish"),
                         ("post", f"/challenges/{item.id}/delete")]:
        assert getattr(client, method)(path, data=fields(org)).status_code == 404, path
    assert "Ours" not in text(client.get("/challenges"))


def test_the_feed_announces_running_challenges_and_winners(db, make, act, login, client, org):
    from ambassador.services.challenges import runs

    ann, bob = make.member(org, name="Ann"), make.member(org, name="Bob")
    act.share(ann, make.post(make.campaign(org)), utcnow() - timedelta(days=1))
    today = points.local_day(org)
    running = Challenge(org_id=org.id, title="Now on", goal="shares", status="running", first_day=today,
                        last_day=today)
    ended = Challenge(org_id=org.id, title="Last week", goal="shares", status="running",
                      first_day=today - timedelta(days=2), last_day=today - timedelta(days=1))
    db.session.add_all([running, ended])
    db.session.flush()
    assert runs.end(challenge_id=ended.id)
    login(bob.user)
    page = text(client.get("/feed"))
    assert "“Last week” has ended." in page and "Winner: Ann" in page
    assert "Now on" in page and "you are #1 (0 shares)" in page
    final = text(client.get(f"/challenges/{ended.id}"))
    assert "<strong>Ann</strong> — 1 share" in final and "You are #2 of 2 with 0 shares." in final
