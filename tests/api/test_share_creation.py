"""Creating shares through the API: a member's personal token shares a live post through one of their linked
accounts now or at a time (the feed's share-through-accounts service), cancels one still waiting; refusals are
422 problems keyed by the request's fields, and nothing is written."""
from __future__ import annotations

import json
from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import Share, utcnow
from tests.services.publishing.fakes import account, network  # noqa: F401 - the fixture

from .conftest import bearer


def _post(client, secret, body, **headers):
    return client.post("/api/v1/shares", data=json.dumps(body), content_type="application/json",
                       headers={**bearer(secret), **headers})


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Share))


@pytest.fixture
def sharer(world, token_for, db, network):  # noqa: F811
    member = world["ambassador"]
    _token, secret = token_for(member, ["shares:read", "shares:write"])
    return {"member": member, "secret": secret, "x": account(db, member, "x"), "linkedin": account(db, member)}


def test_share_now_with_the_suggested_caption_then_at_a_time_with_ones_own(client, world, sharer, db):
    post, secret = world["post"], sharer["secret"]
    before = utcnow()
    response = _post(client, secret, {"post_id": post.id, "account_id": sharer["x"].id})
    assert response.status_code == 201, response.get_data(as_text=True)
    now_share = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/shares/{now_share['id']}")
    assert (now_share["status"], now_share["method"], now_share["network"]) == ("scheduled", "api", "x")
    assert now_share["caption"].startswith("Short") and now_share["short_url"] in now_share["caption"]
    row = db.session.get(Share, now_share["id"])
    assert row.membership_id == sharer["member"].id and before <= row.scheduled_at <= utcnow()
    assert now_share["engagement"]["likes"] is None and now_share["engagement"]["fetched_at"] is None  # not read yet
    at = (utcnow() + timedelta(hours=3)).replace(microsecond=0)
    later = _post(client, secret, {"post_id": post.id, "account_id": sharer["linkedin"].id, "caption": "My words",
                                   "at": at.replace(tzinfo=UTC).isoformat()})
    assert later.status_code == 201, later.get_data(as_text=True)
    assert later.get_json()["caption"].startswith("My words")
    assert db.session.get(Share, later.get_json()["id"]).scheduled_at == at
    again = _post(client, secret, {"post_id": post.id, "account_id": sharer["x"].id})
    assert again.status_code == 422 and "already scheduled" in again.get_json()["errors"]["account_id"][0]


def test_an_idempotency_key_replays_the_share_and_creates_no_second(client, world, sharer, db):
    body = {"post_id": world["post"].id, "account_id": sharer["x"].id}
    first = _post(client, sharer["secret"], body, **{"Idempotency-Key": "share-1"})
    count = _count(db)
    replay = _post(client, sharer["secret"], body, **{"Idempotency-Key": "share-1"})
    assert first.status_code == replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json()["id"] == first.get_json()["id"] and _count(db) == count


@pytest.mark.parametrize("case", ["caption_too_long", "needs_reconnect", "not_theirs", "not_live", "past", "gone"])
def test_refusals_are_422_problems_on_the_field_and_write_nothing(client, world, sharer, db, make, case):
    post, x = world["post"], sharer["x"]
    body = {"post_id": post.id, "account_id": x.id}
    field = {"caption_too_long": "caption", "past": "at", "not_live": "post_id"}.get(case, "account_id")
    if case == "caption_too_long":
        body["caption"] = "word " * 80  # 400 characters: more than X's 280
    elif case == "needs_reconnect":
        x.status = "needs_reconnect"
    elif case == "not_theirs":
        body["account_id"] = account(db, world["manager"], "x").id
    elif case == "not_live":
        post.status = "archived"
    elif case == "past":
        body["at"] = (utcnow() - timedelta(hours=1)).isoformat()
    elif case == "gone":
        x.status = "disconnected"
    db.session.flush()
    count = _count(db)
    response = _post(client, sharer["secret"], body)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "publish" and list(problem["errors"]) == [field], problem
    if case == "needs_reconnect":
        assert problem["errors"]["account_id"][0].startswith("Reconnect")
    assert _count(db) == count


def test_only_a_members_personal_token_shares(client, world, sharer, token_for, db):
    _token, integration = token_for(world["admin"], integration=True)
    response = _post(client, integration, {"post_id": world["post"].id, "account_id": sharer["x"].id})
    assert response.status_code == 403 and "personal token" in response.get_json()["detail"]
    _token, read_only = token_for(sharer["member"], ["shares:read"])
    assert _post(client, read_only, {"post_id": world["post"].id, "account_id": sharer["x"].id}).status_code == 403


def test_cancel_a_waiting_share_only_ones_own_and_only_once(client, world, sharer, token_for, db):
    at = (utcnow() + timedelta(days=1)).isoformat()
    created = _post(client, sharer["secret"], {"post_id": world["post"].id, "account_id": sharer["x"].id, "at": at})
    url = f"/api/v1/shares/{created.get_json()['id']}"
    _token, manager = token_for(world["manager"], ["shares:read", "shares:write"])
    assert client.delete(url, headers=bearer(manager)).status_code == 403  # sees it, but it is not theirs
    response = client.delete(url, headers=bearer(sharer["secret"]))
    assert response.status_code == 200 and response.get_json()["status"] == "canceled"
    assert db.session.get(Share, created.get_json()["id"]).status == "canceled"
    again = client.delete(url, headers=bearer(sharer["secret"]))
    assert again.status_code == 422
    assert again.get_json()["detail"] == "Only a share that is still waiting can be canceled."


def test_the_members_accounts_to_share_through(client, world, sharer, token_for, db):
    gone = account(db, sharer["member"], "mastodon")
    gone.status = "disconnected"
    sharer["linkedin"].status = "needs_reconnect"
    db.session.flush()
    listed = client.get("/api/v1/accounts", headers=bearer(sharer["secret"])).get_json()["data"]
    assert [(a["id"], a["network"], a["status"]) for a in listed] == [
        (sharer["linkedin"].id, "linkedin", "needs_reconnect"), (sharer["x"].id, "x", "active")]
    _token, integration = token_for(world["admin"], integration=True)
    assert client.get("/api/v1/accounts", headers=bearer(integration)).status_code == 403
