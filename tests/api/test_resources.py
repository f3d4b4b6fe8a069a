"""The resources: lists with cursors and filters, single rows, creates through the services, ETags,
idempotency keys and the services' refusals as problem documents."""
from __future__ import annotations

import sqlalchemy as sa

from ambassador.models import AuditEvent, Team

from .conftest import bearer


def _get(client, secret, path, **kw):
    response = client.get(path, headers={**bearer(secret), **kw.pop("headers", {})}, **kw)
    return response


def test_members_list_pages_with_a_cursor_and_filters(client, world, token_for):
    _token, secret = token_for(world["manager"])
    first = _get(client, secret, "/api/v1/members?limit=2").get_json()
    assert len(first["data"]) == 2 and first["next_cursor"]
    second = _get(client, secret, f"/api/v1/members?limit=2&cursor={first['next_cursor']}").get_json()
    assert second["next_cursor"] is None
    ids = [m["id"] for m in first["data"] + second["data"]]
    assert sorted(ids) == sorted(m.id for m in (world["admin"], world["manager"], world["ambassador"]))
    in_team = _get(client, secret, f"/api/v1/members?team_id={world['team'].id}").get_json()["data"]
    assert [m["id"] for m in in_team] == [world["ambassador"].id]
    assert in_team[0]["team_ids"] == [world["team"].id] and "@" in in_team[0]["email"]
    admins = _get(client, secret, "/api/v1/members?role=admin").get_json()["data"]
    assert [m["id"] for m in admins] == [world["admin"].id]


def test_a_cursor_not_handed_out_is_a_400_problem(client, world, token_for):
    _token, secret = token_for(world["manager"])
    for cursor in ("garbage", "WzEsMl0", "W3sidCI6IngifSwxXQ"):
        response = _get(client, secret, f"/api/v1/members?cursor={cursor}")
        assert response.status_code == 400, cursor
        assert response.mimetype == "application/problem+json"


def test_bad_query_values_are_422_problems_with_field_errors(client, world, token_for):
    _token, secret = token_for(world["manager"])
    response = _get(client, secret, "/api/v1/members?limit=0&role=king")
    assert response.status_code == 422
    body = response.get_json()
    assert set(body["errors"]) == {"limit", "role"}


def test_etag_and_if_none_match(client, world, token_for):
    _token, secret = token_for(world["admin"])
    first = _get(client, secret, "/api/v1/teams")
    etag = first.headers["ETag"]
    again = _get(client, secret, "/api/v1/teams", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    client.post("/api/v1/teams", json={"name": "Ops"}, headers=bearer(secret))
    changed = _get(client, secret, "/api/v1/teams", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_create_team_through_the_service_with_location(client, world, token_for, db):
    _token, secret = token_for(world["admin"])
    response = client.post("/api/v1/teams", json={"name": "  Ops   team "}, headers=bearer(secret))
    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == "Ops team"  # the service cleaned it
    assert response.headers["Location"] == f"http://localhost/api/v1/teams/{body['id']}"  # absolute
    assert _get(client, secret, response.headers["Location"]).get_json()["name"] == "Ops team"


def test_a_service_refusal_is_a_problem_with_field_errors_and_nothing_written(client, world, token_for, db):
    _token, secret = token_for(world["admin"])
    response = client.post("/api/v1/teams", json={"name": "sales"}, headers=bearer(secret))  # taken (any case)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "team" and body["type"].endswith("/team")
    assert "Sales" in body["detail"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Team)
                             .where(Team.org_id == world["org"].id)) == 1


def test_idempotency_key_replays_and_refuses_another_body(client, world, token_for, db):
    _token, secret = token_for(world["admin"])
    headers = {**bearer(secret), "Idempotency-Key": "k-1"}
    first = client.post("/api/v1/teams", json={"name": "Ops"}, headers=headers)
    again = client.post("/api/v1/teams", json={"name": "Ops"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Team).where(Team.name == "Ops")) == 1
    other = client.post("/api/v1/teams", json={"name": "Other"}, headers=headers)
    assert other.status_code == 422 and other.mimetype == "application/problem+json"
    # Keys are per token: another token's same key is a new request.
    _t2, secret2 = token_for(world["admin"])
    fresh = client.post("/api/v1/teams", json={"name": "Other"}, headers={**bearer(secret2), "Idempotency-Key": "k-1"})
    assert fresh.status_code == 201


def test_campaigns_create_and_read(client, world, token_for):
    _token, secret = token_for(world["manager"])
    response = client.post("/api/v1/campaigns", json={"title": "Spring", "team_ids": [world["team"].id]},
                           headers=bearer(secret))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "draft" and body["team_ids"] == [world["team"].id] and body["slug"] == "spring"
    listed = _get(client, secret, "/api/v1/campaigns?status=draft").get_json()["data"]
    assert [c["id"] for c in listed] == [body["id"]]
    bad = client.post("/api/v1/campaigns", json={"title": " ", "starts_at": "2026-01-02T00:00:00",
                                                 "ends_at": "2026-01-01T00:00:00"}, headers=bearer(secret))
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"title", "ends_at"}


def test_posts_carry_captions_per_network_and_language(client, world, token_for):
    _token, secret = token_for(world["manager"])
    body = _get(client, secret, f"/api/v1/posts/{world['post'].id}").get_json()
    assert {(c["network"], c["lang"], c["text"]) for c in body["captions"]} == {
        ("linkedin", "en", "Read this"), ("x", "en", "Short")}
    listed = _get(client, secret, f"/api/v1/posts?campaign_id={world['campaign'].id}").get_json()["data"]
    assert [p["id"] for p in listed] == [world["post"].id]


def test_shares_managers_see_all_ambassadors_their_own(client, world, token_for):
    _token, manager_secret = token_for(world["manager"])
    all_shares = _get(client, manager_secret, "/api/v1/shares").get_json()["data"]
    assert {s["member_id"] for s in all_shares} == {world["manager"].id, world["ambassador"].id}
    assert all(s["short_url"].startswith("http") and s["clicks"] == 0 for s in all_shares)
    _token, own_secret = token_for(world["ambassador"])
    own = _get(client, own_secret, "/api/v1/shares").get_json()["data"]
    assert [s["member_id"] for s in own] == [world["ambassador"].id]
    managers_share = world["shares"][0].id
    assert _get(client, own_secret, f"/api/v1/shares/{managers_share}").status_code == 404


def test_leaderboard_reads_the_boards(client, world, token_for, make, db):
    from ambassador.services.community import points

    points.award_for(org=world["org"], membership_id=world["ambassador"].id, reason="idea", points=7, cap=100,
                     ref="idea:1")
    db.session.flush()
    _token, secret = token_for(world["ambassador"])
    body = _get(client, secret, "/api/v1/leaderboard?period=all").get_json()
    assert body["rows"][0]["member_id"] == world["ambassador"].id and body["rows"][0]["points"] == 7
    other_team = make.team(make.org())
    assert _get(client, secret, f"/api/v1/leaderboard?team_id={other_team.id}").status_code == 404


def test_token_creation_and_revocation_are_audited(world, token_for, db):
    from ambassador.services.org import api_tokens

    token, secret = token_for(world["admin"], integration=True)
    api_tokens.revoke_token(actor=world["admin"], token=token)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.org_id == world["org"].id)
                                .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["token.created", "token.revoked"]
    assert all(secret not in str(e.details) and secret not in e.target_label for e in events)


def test_kept_responses_are_forgotten_after_a_day(client, world, token_for, db):
    from datetime import timedelta

    from ambassador.jobs import tasks
    from ambassador.models import ApiIdempotentResponse, utcnow

    _token, secret = token_for(world["admin"])
    headers = {**bearer(secret), "Idempotency-Key": "day-old"}
    assert client.post("/api/v1/teams", json={"name": "Ops"}, headers=headers).status_code == 201
    assert tasks.purge_idempotent_responses(now=utcnow())["purged"] == 0
    assert tasks.purge_idempotent_responses(now=utcnow() + timedelta(hours=25))["purged"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiIdempotentResponse)) == 0


def test_create_a_draft_post_with_captions_through_the_content_service(client, world, token_for, make):
    _token, secret = token_for(world["manager"])
    body = {"campaign_id": world["campaign"].id, "title": "New menu", "link_url": "https://example.com/menu",
            "hashtags": "#food", "captions": {"linkedin": "Our new menu", "x": "New menu!"},
            "visible_from": "2026-12-06T09:00:00+01:00"}
    response = client.post("/api/v1/posts", json=body, headers=bearer(secret))
    assert response.status_code == 201, response.get_data(as_text=True)
    post = response.get_json()
    assert post["status"] == "draft" and post["campaign_id"] == world["campaign"].id
    assert post["visible_from"] == "2026-12-06T08:00:00+00:00"
    assert {(c["network"], c["text"]) for c in post["captions"]} == {("linkedin", "Our new menu"), ("x", "New menu!")}
    other_campaign = make.campaign(make.org())
    foreign = client.post("/api/v1/posts", json={**body, "campaign_id": other_campaign.id}, headers=bearer(secret))
    assert foreign.status_code == 422 and "campaign_id" in foreign.get_json()["errors"]
    bad_link = client.post("/api/v1/posts", json={**body, "link_url": "not a link"}, headers=bearer(secret))
    assert bad_link.status_code == 422 and "link_url" in bad_link.get_json()["errors"]
