"""Tracked links and counted clicks, surveys with responses and follow-ups, ideas, rewards and redemptions."""
from __future__ import annotations

import sqlalchemy as sa

from ambassador.models import Click, Idea

from .conftest import bearer


def _get(client, secret, path):
    response = client.get(path, headers=bearer(secret))
    assert response.status_code == 200, (path, response.get_data(as_text=True))
    return response.get_json()


def test_links_count_only_counted_clicks_and_members_see_their_own(client, world, token_for, db):
    link_id = world["links"][1]  # the ambassador's
    for hour in (1, 2):
        db.session.add(Click(org_id=world["org"].id, tracked_link_id=link_id, visitor_hash=f"v{hour}",
                             hour_bucket=hour))
    db.session.flush()
    _token, manager = token_for(world["manager"])
    links = {link["id"]: link for link in _get(client, manager, "/api/v1/links")["data"]}
    assert links[link_id]["clicks"] == 2 and links[world["links"][0]]["clicks"] == 0
    assert _get(client, manager, f"/api/v1/shares/{world['shares'][1].id}")["clicks"] == 2
    _token, own = token_for(world["ambassador"])
    assert [link["id"] for link in _get(client, own, "/api/v1/links")["data"]] == [link_id]
    assert client.get(f"/api/v1/links/{world['links'][0]}", headers=bearer(own)).status_code == 404


def test_surveys_responses_and_follow_ups_for_managers(client, world, token_for):
    _token, manager = token_for(world["manager"])
    assert [s["id"] for s in _get(client, manager, "/api/v1/surveys?status=open")["data"]] == [world["survey"].id]
    answers = _get(client, manager, f"/api/v1/survey-responses?survey_id={world['survey'].id}&group=detractor")
    assert [(a["score"], a["comment"]) for a in answers["data"]] == [(3, "Victim comment")]
    follow_up = _get(client, manager, f"/api/v1/follow-ups/{world['follow_up'].id}")
    assert follow_up["response_id"] == world["response"].id and follow_up["status"] == "open"
    _token, ambassador = token_for(world["ambassador"])
    assert client.get("/api/v1/survey-responses", headers=bearer(ambassador)).status_code == 403


def test_a_member_posts_an_idea_an_integration_token_cannot(client, world, token_for, db):
    _token, own = token_for(world["ambassador"])
    response = client.post("/api/v1/ideas", json={"title": "  More  coffee ", "body": "Please"}, headers=bearer(own))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["author_member_id"] == world["ambassador"].id and body["votes"] == 0 and body["status"] == "new"
    assert db.session.get(Idea, body["id"]).title == "More coffee"  # cleaned by the service
    empty = client.post("/api/v1/ideas", json={"title": " "}, headers=bearer(own))
    assert empty.status_code == 422 and "title" in empty.get_json()["errors"]
    _token, integration = token_for(world["admin"], integration=True)
    refused = client.post("/api/v1/ideas", json={"title": "Bot idea"}, headers=bearer(integration))
    assert refused.status_code == 403
    titles = [idea["title"] for idea in _get(client, integration, "/api/v1/ideas")["data"]]
    assert sorted(titles) == ["More coffee", "Victim idea"]


def test_rewards_and_redemptions(client, world, token_for, db):
    world["reward"].active = False
    db.session.flush()
    _token, own = token_for(world["ambassador"])
    assert _get(client, own, "/api/v1/rewards")["data"] == []  # inactive: not in an ambassador's catalogue
    assert [r["id"] for r in _get(client, own, "/api/v1/redemptions")["data"]] == [world["redemption"].id]
    _token, manager_token = token_for(world["manager"])
    assert [r["id"] for r in _get(client, manager_token, "/api/v1/rewards")["data"]] == [world["reward"].id]
    _token, other_member = token_for(world["manager"])
    redemption = _get(client, other_member, f"/api/v1/redemptions/{world['redemption'].id}")
    assert redemption["reward_title"] == "Victim reward" and redemption["status"] == "requested"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Click)) == 0
